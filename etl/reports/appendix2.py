"""Appendix 2 forms from the warehouse: build the content per region and year, then issue files.

Issued files are immutable and versioned: a re-run with unchanged content issues nothing new; changed
content becomes the next version beside the old one, and both stay recorded in ``sdg.report``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.reports.appendix2_xlsx import write_appendix2
from etl.reports.forms import Appendix2Form, FormRow

_INDICATOR_ROWS = """
SELECT a.row_no, i.code, COALESCE(a.regional_name_ru, i.code || ' ' || i.name_ru) AS name,
       COALESCE(a.responsible_ru, i.responsible_ru) AS responsible, i.source_ru, i.unit_ru, i.decimals,
       p.value AS plan, v.value AS fact, v.value_text, v.status
FROM sdg.appendix1_item AS a
JOIN sdg.indicator AS i ON i.code = a.indicator_code
LEFT JOIN sdg.indicator_value AS v ON v.indicator_code = i.code AND v.kato_code = a.kato_code AND v.year = :year
LEFT JOIN sdg.plan_value AS p ON p.indicator_code = i.code AND p.kato_code = a.kato_code AND p.year = :year
WHERE a.kato_code = :kato AND a.classification IN (1, 2)
ORDER BY string_to_array(a.row_no, '.')::int[]
"""

_ACTIVITY_ROWS = """
SELECT row_no, name_ru, responsible_ru, source_ru, unit_ru, plan_value, fact_value, note_ru
FROM sdg.activity WHERE kato_code = :kato AND year = :year
ORDER BY string_to_array(row_no, '.')::int[]
"""

_VINTAGE = """
SELECT max(s.fetched_at), array_agg(DISTINCT sid ORDER BY sid)
FROM sdg.indicator_value AS v, unnest(v.snapshot_ids) AS sid JOIN sdg.snapshot AS s ON s.snapshot_id = sid
WHERE v.kato_code = :kato AND v.year = :year
"""


@dataclass(frozen=True)
class IssuedReport:
    kato_code: str
    year: int
    version: int
    path: Path
    sha256: str
    new: bool


def build_appendix2(conn: Connection, kato_code: str, year: int, status: str = "draft") -> Appendix2Form:
    """The form's content for one region and year, facts and plans from the warehouse."""
    region = conn.execute(
        text("SELECT name_ru, name_kk FROM sdg.region WHERE kato_code = :k"), {"k": kato_code}
    ).one_or_none()
    if region is None:
        raise ValueError(f"unknown region KATO code {kato_code!r}")
    params = {"kato": kato_code, "year": year}
    indicators = [_indicator_row(r, year) for r in conn.execute(text(_INDICATOR_ROWS), params).mappings()]
    activities = [_activity_row(r, year) for r in conn.execute(text(_ACTIVITY_ROWS), params).mappings()]
    fetched_at, snapshot_ids = conn.execute(text(_VINTAGE), params).one()
    vintage = f"данные по состоянию на {fetched_at:%d.%m.%Y %H:%M} UTC" if fetched_at else "данных нет"
    return Appendix2Form(
        kato_code=kato_code,
        region_name_ru=region.name_ru,
        region_name_kk=region.name_kk,
        year=year,
        indicators=indicators,
        activities=activities,
        provenance_note=f"Факт заполнен автоматически из официальной статистики: {vintage} "
        f"(снимки источников: {', '.join(map(str, snapshot_ids or [])) or '—'}).",
        status=status,
    )


def _indicator_row(r, year: int) -> FormRow:
    status = r["status"]
    note = ""
    fact_text = ""
    if status == "suppressed":
        fact_text, note = "x", "Данные конфиденциальны (x), не публикуются органом статистики"
    elif status in (None, "missing"):
        note = f"Нет данных за {year} год на дату формирования"
    return FormRow(
        number=str(r["row_no"]),
        name=r["name"],
        responsible=r["responsible"],
        source=r["source_ru"],
        unit=r["unit_ru"],
        year=year,
        plan=r["plan"],
        fact=r["fact"],
        fact_text=fact_text,
        note=note,
        decimals=int(r["decimals"]),
    )


def _activity_row(r, year: int) -> FormRow:
    return FormRow(
        number=str(r["row_no"]),
        name=r["name_ru"],
        responsible=r["responsible_ru"],
        source=r["source_ru"],
        unit=r["unit_ru"],
        year=year,
        plan=r["plan_value"],
        fact=r["fact_value"],
        note=r["note_ru"],
        decimals=0,
    )


def content_hash(form: Appendix2Form) -> str:
    """Hash of what the form says, leaving out the provenance line (it carries timestamps)."""
    payload = asdict(replace(form, provenance_note=""))
    return hashlib.sha256(json.dumps(payload, default=_jsonable, sort_keys=True).encode()).hexdigest()


def regions_for_year(conn: Connection, year: int) -> list[str]:
    """KATO codes of the regions (and cities of republican significance) that existed in ``year``."""
    rows = conn.execute(
        text(
            """
            SELECT kato_code FROM sdg.region
            WHERE kind <> 'country'
              AND (valid_from IS NULL OR valid_from <= make_date(:y, 12, 31))
              AND (valid_to IS NULL OR valid_to >= make_date(:y, 1, 1))
            ORDER BY sort_order
            """
        ),
        {"y": year},
    )
    return [r[0] for r in rows]


def issue_appendix2(
    engine: Engine,
    year: int,
    kato_codes: list[str] | None = None,
    status: str = "draft",
    out_dir: Path | None = None,
) -> list[IssuedReport]:
    """Render and record the forms of ``year``; each region's file is its own transaction."""
    out_dir = out_dir or config.reports_dir()
    with engine.connect() as conn:
        codes = kato_codes or regions_for_year(conn, year)
    return [_issue_one(engine, code, year, status, out_dir) for code in codes]


def _issue_one(engine: Engine, kato: str, year: int, status: str, out_dir: Path) -> IssuedReport:
    with engine.begin() as conn:
        form = build_appendix2(conn, kato, year, status)
        _check(form)
        digest = content_hash(form)
        latest = conn.execute(
            text(
                """
                SELECT version, path, sha256, content_sha256, status FROM sdg.report
                WHERE kind = 'appendix2' AND kato_code = :k AND year = :y ORDER BY version DESC LIMIT 1
                """
            ),
            {"k": kato, "y": year},
        ).one_or_none()
        if latest is not None and latest.content_sha256 == digest and Path(latest.path).exists():
            return IssuedReport(kato, year, latest.version, Path(latest.path), latest.sha256, new=False)
        version = 1 if latest is None else latest.version + 1
        path = out_dir / str(year) / "appendix2" / f"appendix2_{kato}_{year}_v{version}.xlsx"
        if path.exists():
            raise FileExistsError(
                f"{path} exists but this warehouse has no record of it (another warehouse issued it?); "
                "issued files are never overwritten: move it away or set SDG_REPORTS_DIR"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        write_appendix2(form, path)
        file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
        conn.execute(
            text(
                """
                INSERT INTO sdg.report (kind, kato_code, year, version, status, path, sha256, content_sha256,
                                        snapshot_ids)
                SELECT 'appendix2', :k, :y, :v, :s, :p, :sha, :csha,
                       COALESCE(array_agg(DISTINCT sid), '{}')
                FROM sdg.indicator_value AS iv, unnest(iv.snapshot_ids) AS sid
                WHERE iv.kato_code = :k AND iv.year = :y
                """
            ),
            {
                "k": kato,
                "y": year,
                "v": version,
                "s": status,
                "p": str(path),
                "sha": file_sha,
                "csha": digest,
            },
        )
    return IssuedReport(kato, year, version, path, file_sha, new=True)


def _check(form: Appendix2Form) -> None:
    """The form's suite (Great Expectations, imported here: it is heavy); a critical failure issues nothing."""
    from etl.quality.forms import check_form
    from etl.quality.outcome import QualityFailure

    decision = check_form(form)
    if not decision.load:
        raise QualityFailure(decision, f"appendix2_form {form.kato_code} {form.year}")


def _jsonable(value: object) -> str:
    if isinstance(value, Decimal | datetime):
        return str(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


_LATEST = """
SELECT DISTINCT ON (r.kato_code) r.kato_code, g.name_ru, g.sort_order, r.version, r.status, r.path, r.created_at,
       (SELECT count(*) FROM sdg.appendix1_item a WHERE a.kato_code = r.kato_code AND a.classification IN (1, 2))
           AS indicators,
       (SELECT count(*) FROM sdg.appendix1_item a
          JOIN sdg.indicator_value v ON v.indicator_code = a.indicator_code AND v.kato_code = a.kato_code
         WHERE a.kato_code = r.kato_code AND a.classification IN (1, 2) AND v.year = r.year AND v.value IS NOT NULL)
           AS facts
FROM sdg.report r JOIN sdg.region g ON g.kato_code = r.kato_code
WHERE r.kind = 'appendix2' AND r.year = :year
ORDER BY r.kato_code, r.version DESC
"""


def latest_issued(conn: Connection, year: int) -> list[dict]:
    """The newest version of each region's form for ``year``, with how many facts it carries."""
    rows = conn.execute(text(_LATEST), {"year": year}).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: r["sort_order"])
