"""What the page shows, read from the warehouse: a region's indicator lines, each indicator's history, the
issued reports, the quality runs and the quarantine.

The lines are the Appendix 2 form's own (``etl.reports.appendix2.indicator_lines``: the same Plan, Fact and
explanation the issued form prints), with the form's provenance (``etl.reports.amendments.row_observations``)
and the stored progress assessment (``etl.indicators.progress_store.load_progress``); the SQL here only reads
rows and views (``sdg.plan_line``, ``sdg.appendix1_line``, ``sdg.quality_summary``) that hold the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.indicators.progress import category_label, reason_label
from etl.indicators.progress_store import load_progress
from etl.reports.amendments import row_observations
from etl.reports.appendix2 import indicator_lines, regions_for_year


@dataclass(frozen=True)
class Region:
    kato_code: str
    name_ru: str
    name_kk: str
    kind: str


@dataclass(frozen=True)
class Source:
    """One link of a Fact's provenance: the series, the snapshot of it the value came from, and its URL."""

    source: str
    series_key: str
    series_name: str
    snapshot_id: int
    fetched_at: datetime
    url: str


@dataclass(frozen=True)
class IndicatorLine:
    """A line of the region's «Индикаторы» block as the form prints it, with status, progress and provenance."""

    row_no: str
    code: str
    name: str
    unit: str
    decimals: int
    plan: Decimal | None
    fact: Decimal | None
    fact_text: str
    status: str | None
    note: str
    category: str | None
    progress: str
    sources: list[Source] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    """An indicator over the years: every region's Facts, the chosen region's plans and its Appendix 1 target."""

    code: str
    name: str
    unit: str
    decimals: int
    kato_code: str
    #: kato → (region, [(year, value)]) in the catalogue's order of regions
    regions: dict[str, tuple[Region, list[tuple[int, Decimal]]]]
    plan: list[tuple[int, Decimal]]
    target: tuple[int, Decimal] | None
    baseline: tuple[int, Decimal] | None


@dataclass(frozen=True)
class ReportFile:
    format: str
    path: str


@dataclass(frozen=True)
class IssuedReport:
    report_id: int
    kind: str
    kato_code: str | None
    region_name: str
    year: int
    version: int
    status: str
    path: str
    created_at: datetime
    facts_filled: int | None
    files: list[ReportFile] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return Path(self.path).name


_REGIONS = "SELECT kato_code, name_ru, name_kk, kind FROM sdg.region ORDER BY sort_order"
_YEARS = "SELECT DISTINCT year FROM sdg.indicator_value WHERE value IS NOT NULL ORDER BY year"
_STATUSES = "SELECT indicator_code, status FROM sdg.indicator_value WHERE kato_code = :k AND year = :y"
_SNAPSHOTS = """
SELECT sn.snapshot_id, sn.source, sn.series_key, COALESCE(se.name, '') AS series_name, sn.fetched_at, sn.url
FROM sdg.snapshot AS sn LEFT JOIN sdg.series AS se ON se.series_key = sn.series_key
WHERE sn.snapshot_id = ANY(:ids)
"""
_INDICATOR = "SELECT code, name_ru, name_kk, unit_ru, unit_kk, decimals FROM sdg.indicator WHERE code = :c"
_FACTS = """
SELECT v.kato_code, v.year, v.value FROM sdg.indicator_value AS v JOIN sdg.region AS r USING (kato_code)
WHERE v.indicator_code = :c AND v.value IS NOT NULL ORDER BY r.sort_order, v.year
"""
_PLANS = "SELECT year, value FROM sdg.plan_line WHERE kato_code = :k AND indicator_code = :c ORDER BY year"
_TARGET = """
SELECT baseline_year, baseline_value, target_year, target_value FROM sdg.appendix1_line
WHERE kato_code = :k AND indicator_code = :c ORDER BY row_order LIMIT 1
"""
_REPORTS = """
SELECT r.report_id, r.kind, r.kato_code, COALESCE(g.name_ru, '') AS region_name,
       r.year, r.version, r.status, r.path, r.created_at, r.facts_filled
FROM sdg.latest_report AS r LEFT JOIN sdg.region AS g ON g.kato_code = r.kato_code
WHERE r.year = :y AND (r.kato_code IS NULL OR r.kato_code = :k)
ORDER BY r.kind, r.kato_code
"""
_REPORT_FILES = "SELECT report_id, format, path FROM sdg.report_file WHERE report_id = ANY(:ids) ORDER BY format"
_REPORT = "SELECT path, sha256 FROM sdg.report WHERE report_id = :r"
_REPORT_FILE = "SELECT path, sha256 FROM sdg.report_file WHERE report_id = :r AND format = :f"
_QUALITY = """
SELECT run_id, run_at, dataset, source, series_key, snapshot_id, year, row_count, decision, critical_failed,
       warning_failed, COALESCE(failed_expectations, '{}') AS failed_expectations, quarantine_id
FROM sdg.quality_summary ORDER BY run_at DESC, run_id DESC LIMIT :n
"""
_QUARANTINE = """
SELECT quarantine_id, source, series_key, snapshot_id, scope, held_count, row_count, created_at, reasons
FROM sdg.quarantine WHERE status = 'quarantined' ORDER BY created_at DESC
"""


def regions(conn: Connection, year: int) -> list[Region]:
    """The regions that existed in ``year`` (the form's list), in the catalogue's order."""
    existing = set(regions_for_year(conn, year))
    return [Region(*r) for r in conn.execute(text(_REGIONS)) if r.kato_code in existing]


def all_regions(conn: Connection) -> dict[str, Region]:
    return {r.kato_code: Region(*r) for r in conn.execute(text(_REGIONS))}


def fact_years(conn: Connection) -> list[int]:
    """Years with at least one numeric Fact."""
    return [r[0] for r in conn.execute(text(_YEARS))]


def region_lines(conn: Connection, kato_code: str, year: int, language: str = "ru") -> list[IndicatorLine]:
    """The region's indicator lines of ``year`` in form order, in ``language`` (``ru`` or ``kk``)."""
    statuses: dict[str, str] = dict(conn.execute(text(_STATUSES), {"k": kato_code, "y": year}).all())
    provenance = row_observations(conn, kato_code, year)
    progress = load_progress(conn, kato_code, year)
    snapshot_ids = sorted({sid for _, _, snaps in provenance.values() for sid in snaps or []})
    snapshots = {r["snapshot_id"]: Source(**r) for r in _mappings(conn, _SNAPSHOTS, {"ids": snapshot_ids})}
    lines = []
    for code, row in indicator_lines(conn, kato_code, year, language):
        assessed = progress.get(code) or {}
        category = assessed.get("category")
        label = category_label(category, language) or reason_label(assessed.get("reason"), language)
        _, _, snaps = provenance.get(row.number, (code, [], []))
        sources = [snapshots[sid] for sid in snaps or [] if sid in snapshots]
        lines.append(
            IndicatorLine(
                row.number,
                code,
                row.name,
                row.unit,
                row.decimals,
                row.plan,
                row.fact,
                row.fact_text,
                statuses.get(code),
                row.note,
                category,
                label,
                sources,
            )
        )
    return lines


def history(conn: Connection, code: str, kato_code: str, language: str = "ru") -> History | None:
    """Every region's Facts of one indicator over the years, with ``kato_code``'s plans and target."""
    indicator = conn.execute(text(_INDICATOR), {"c": code}).mappings().one_or_none()
    if indicator is None:
        return None
    names = all_regions(conn)
    series: dict[str, tuple[Region, list[tuple[int, Decimal]]]] = {}
    for kato, year, value in conn.execute(text(_FACTS), {"c": code}):
        series.setdefault(kato, (names[kato], []))[1].append((year, value))
    plan = [(r.year, r.value) for r in conn.execute(text(_PLANS), {"k": kato_code, "c": code})]
    line = conn.execute(text(_TARGET), {"k": kato_code, "c": code}).one_or_none()
    target = baseline = None
    if line is not None and line.target_value is not None and line.target_year is not None:
        target = (line.target_year, line.target_value)
    if line is not None and line.baseline_value is not None:
        baseline = (line.baseline_year, line.baseline_value)
    return History(
        code,
        indicator[f"name_{language}"],
        indicator[f"unit_{language}"],
        int(indicator["decimals"]),
        kato_code,
        series,
        plan,
        target,
        baseline,
    )


def issued_reports(conn: Connection, year: int, kato_code: str) -> list[IssuedReport]:
    """The newest version of each report of ``year`` for the region (its forms) and the whole country (extract)."""
    rows = _mappings(conn, _REPORTS, {"y": year, "k": kato_code})
    files: dict[int, list[ReportFile]] = {}
    for r in conn.execute(text(_REPORT_FILES), {"ids": [row["report_id"] for row in rows]}):
        files.setdefault(r.report_id, []).append(ReportFile(r.format, r.path))
    reports = [IssuedReport(**r, files=files.get(r["report_id"], [])) for r in rows]
    order = {"appendix2": 0, "appendix1": 1, "national_extract": 2}
    return sorted(reports, key=lambda r: (order.get(r.kind, 9), r.kind))


def report_path(conn: Connection, report_id: int, file_format: str = "xlsx") -> tuple[str, str] | None:
    """(path, sha256) recorded for a report's XLSX or one of its sibling files (csv, json); None if unknown."""
    if file_format == "xlsx":
        row = conn.execute(text(_REPORT), {"r": report_id}).one_or_none()
    else:
        row = conn.execute(text(_REPORT_FILE), {"r": report_id, "f": file_format}).one_or_none()
    return None if row is None else (row.path, row.sha256.strip())


def quality_runs(conn: Connection, limit: int = 15) -> list[dict]:
    """The newest quality runs (``sdg.quality_summary``): what was checked, the decision, what failed."""
    return _mappings(conn, _QUALITY, {"n": limit})


def open_quarantines(conn: Connection) -> list[dict]:
    """Batches and rows held back and waiting for a decision, newest first, each reason as one line."""
    held = _mappings(conn, _QUARANTINE, {})
    for row in held:
        row["reasons"] = [_reason(r) for r in row["reasons"] or []]
    return held


def _reason(reason: dict) -> str:
    check = reason.get("expectation") or reason.get("expectation_type") or "check"
    column = f"({reason['column']})" if reason.get("column") else ""
    why = f": {reason['why']}" if reason.get("why") else ""
    return f"{check}{column}{why}"


def _mappings(conn: Connection, sql: str, params: dict) -> list[dict]:
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]
