"""The national extract: every region's Appendix 2 indicators of one year in one workbook, for the
Coordination Council's working body (due 1 February).

Why it is built from the same rows as the forms (``indicator_lines``) and checked against the issued forms:
the ministry must read exactly what the regions were sent. Each region's coverage line says which issued
form version the extract consolidates (with that file's sha256) and whether that form still says what the
warehouse says now. A final extract is refused while any region's form is missing, outdated or a draft.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.catalogue.planning_summary import integration_summary
from etl.indicators.progress import category_label, reason_label
from etl.indicators.progress_store import load_progress
from etl.reports.amendments import extract_cells, record_changes, status_to_issue
from etl.reports.amendments_issue import amend
from etl.reports.appendix2 import build_appendix2_forms, content_hash, indicator_lines, regions_for_year
from etl.reports.forms import FormRow
from etl.reports.issuing import (
    EmptyReport,
    IssuedReport,
    content_digest,
    latest_report,
    new_version_path,
    record_report,
    reused,
    unchanged,
)
from etl.reports.national_extract_model import ExtractLine, NationalExtract, RegionCoverage
from etl.reports.national_extract_xlsx import write_national_extract
from etl.reports.print_layout import DocumentInfo
from etl.sources.observations import round_half_up

KIND = "national_extract"
STATUSES = ("draft", "final", "amended")


class IncompleteExtract(ValueError):
    """A final extract was asked for while some regions' forms are missing, outdated or drafts."""


def build_national_extract(conn: Connection, year: int, status: str = "draft") -> NationalExtract:
    """The extract's content for ``year``: every region that existed that year, in the catalogue's order."""
    if status not in STATUSES:
        raise ValueError(f"unknown extract status {status!r}; expected one of: {', '.join(STATUSES)}")
    names = {r.kato_code: r for r in conn.execute(text("SELECT kato_code, name_ru, name_kk FROM sdg.region"))}
    regions, lines = [], []
    for kato in regions_for_year(conn, year):
        ru, kk = indicator_lines(conn, kato, year, "ru"), indicator_lines(conn, kato, year, "kk")
        progress = load_progress(conn, kato, year)
        pairs = zip(ru, kk, strict=True)
        lines += [_line(kato, code, row_ru, row_kk, progress.get(code)) for (code, row_ru), (_, row_kk) in pairs]
        facts = sum(1 for _, row in ru if row.fact is not None)
        regions.append(_coverage(conn, kato, year, names[kato], len(ru), facts))
    return NationalExtract(year, status, regions, lines, integration_summary(conn, year))


def _line(kato: str, code: str, ru: FormRow, kk: FormRow, progress: dict | None) -> ExtractLine:
    if progress is None:
        return ExtractLine(kato, code, ru, kk)
    labels = {
        lang: category_label(progress.get("category"), lang) or reason_label(progress.get("reason"), lang)
        for lang in ("ru", "kk")
    }
    return ExtractLine(
        kato,
        code,
        ru,
        kk,
        labels["ru"] or "",
        labels["kk"] or "",
        _index(progress.get("escap_current_status")),
        _index(progress.get("escap_api")),
    )


def _index(value: float | None) -> Decimal | None:
    """ESCAP indices to two decimals, as the regional commissions print them."""
    return None if value is None else round_half_up(value, 2)


def _coverage(conn: Connection, kato: str, year: int, name, indicators: int, facts: int) -> RegionCoverage:
    base = RegionCoverage(kato, name.name_ru, name.name_kk, indicators, facts)
    latest = latest_report(conn, "appendix2", kato, year)
    if latest is None:
        return base
    current = content_hash(build_appendix2_forms(conn, kato, year, latest.status)) == latest.content_sha256
    return replace(
        base, form_version=latest.version, form_status=latest.status, form_sha256=latest.sha256, form_current=current
    )


def extract_hash(extract: NationalExtract) -> str:
    """Hash of what the extract says (content only: no timestamps), to tell an unchanged re-run."""
    return content_digest(asdict(extract))


def issue_national_extract(
    engine: Engine, year: int, status: str = "draft", out_dir: Path | None = None, allow_empty: bool = False
) -> tuple[IssuedReport, NationalExtract]:
    """Write and record the extract of ``year`` (unchanged content re-uses the latest version); say what it holds.

    Once an extract of ``year`` is final, a changed one is issued as amended with its changed cells
    (``amendments``), whatever status was asked; an extract without a single Fact needs ``allow_empty``.
    """
    out_dir = out_dir or config.reports_dir()
    with engine.begin() as conn:
        built: dict[str, NationalExtract] = {}

        def digest_as(as_status: str) -> str:
            built[as_status] = build_national_extract(conn, year, as_status)
            return extract_hash(built[as_status])

        status = status_to_issue(conn, KIND, None, year, status, digest_as)[0]
        extract = built.get(status) or build_national_extract(conn, year, status)
        problems = extract.problems()
        if status != "draft" and problems:
            listed = "; ".join(f"{kato}: {why}" for kato, why in problems.items())
            raise IncompleteExtract(
                f"{'an' if status == 'amended' else 'a'} {status} national extract for {year} needs every region's "
                f"current, non-draft Appendix 2 (sdg report issue --year {year} --status final); "
                f"{len(problems)} not ready: {listed}"
            )
        facts = sum(region.facts for region in extract.regions)
        if not facts and not allow_empty:
            raise EmptyReport(
                f"the national extract for {year} would have no Fact in any of its {len(extract.lines)} rows "
                f"(sdg compute --year {year}; or sdg report extract --allow-empty to issue it anyway, never delivered)"
            )
        digest = extract_hash(extract)
        latest = latest_report(conn, KIND, None, year)
        if unchanged(latest, digest):
            return reused(latest, None, year), extract
        version, path = new_version_path(latest, out_dir / str(year) / "national", f"national_extract_{year}")
        info = DocumentInfo(status, version, date.today(), digest)
        write_national_extract(extract, path, version, digest, info.issued_on)
        cells = extract_cells(conn, extract)
        amends = amend(conn, KIND, None, year, cells, path, info) if status == "amended" else None
        issued = record_report(
            conn,
            KIND,
            None,
            year,
            version,
            status,
            path,
            digest,
            cells=cells,
            facts_filled=facts,
            amends=amends and amends[0],
        )
        if amends and issued.report_id is not None:  # record_report always gives the new version's id
            record_changes(conn, issued.report_id, amends[1])
        return issued, extract
