"""An issued Appendix 2 form's rows as CSV and JSON beside its XLSX, each file's sha256 in ``sdg.report_file``.

For machines that read the forms (the working body's tools, the national platform's maintainers): one row per
line of each sheet (Russian and Kazakh), block ``indicators`` or ``activities``, the form's own texts, and
Plan and Fact as decimal text at the indicator's precision (``45.5``; JSON strings too, so no float rounding).
The files are named like the XLSX (``appendix2_<KATO>_<year>_v<N>.csv`` / ``.json``), written whole and once:
an existing file is never overwritten (issued files are immutable, as ``etl.reports.issuing`` says).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.exports.files import write_atomically
from etl.exports.numbers import plain
from etl.reports.forms import Appendix2Form, FormRow

COLUMNS = (
    "language",
    "block",
    "number",
    "indicator_code",
    "name",
    "responsible",
    "source",
    "unit",
    "year",
    "plan",
    "fact",
    "fact_text",
    "note",
)
FORMATS = ("csv", "json")


def form_records(forms: Sequence[Appendix2Form], codes: Sequence[str]) -> list[dict[str, str]]:
    """Every line of every language's form, in sheet order; ``codes`` are the indicator codes of the lines."""
    records: list[dict[str, str]] = []
    for form in forms:
        if len(codes) != len(form.indicators):
            raise ValueError(f"{len(codes)} indicator codes for the {len(form.indicators)} lines of {form.kato_code}")
        records.extend(
            _record(form.language, "indicators", code, row) for code, row in zip(codes, form.indicators, strict=True)
        )
        records.extend(_record(form.language, "activities", "", row) for row in form.activities)
    return records


def _record(language: str, block: str, code: str, row: FormRow) -> dict[str, str]:
    return {
        "language": language,
        "block": block,
        "number": row.number,
        "indicator_code": code,
        "name": row.name,
        "responsible": row.responsible,
        "source": row.source,
        "unit": row.unit,
        "year": str(row.year),
        "plan": "" if row.plan is None else plain(row.plan, row.decimals),
        "fact": "" if row.fact is None else plain(row.fact, row.decimals),
        "fact_text": row.fact_text,
        "note": row.note,
    }


def render(forms: Sequence[Appendix2Form], codes: Sequence[str]) -> dict[str, bytes]:
    """The CSV and JSON bytes of the forms (one region, one year, one version)."""
    records = form_records(forms, codes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    first = forms[0]
    document = {
        "kato_code": first.kato_code,
        "year": first.year,
        "status": first.status,
        "region_name_ru": first.region_name_ru,
        "region_name_kk": first.region_name_kk,
        "rows": records,
    }
    return {
        "csv": out.getvalue().encode("utf-8"),
        "json": (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }


def issue_form_rows(conn: Connection, report_id: int, forms: Sequence[Appendix2Form], xlsx: Path) -> dict[str, Path]:
    """Write the CSV and JSON beside ``xlsx`` and record their sha256 against ``report_id`` (same transaction)."""
    from etl.reports.appendix2 import indicator_lines

    codes = [code for code, _ in indicator_lines(conn, forms[0].kato_code, forms[0].year)]
    paths = {}
    for fmt, content in render(forms, codes).items():
        path = xlsx.with_suffix(f".{fmt}")
        if path.exists():
            raise FileExistsError(f"{path} exists: issued files are never overwritten (move it away)")
        write_atomically(path, content)
        conn.execute(
            text("INSERT INTO sdg.report_file (report_id, format, path, sha256) VALUES (:r, :f, :p, :s)"),
            {"r": report_id, "f": fmt, "p": str(path), "s": hashlib.sha256(content).hexdigest()},
        )
        paths[fmt] = path
    return paths


_WITHOUT_ROWS = """
SELECT r.report_id, r.kato_code, r.year, r.status, r.path, r.content_sha256,
       EXISTS (SELECT 1 FROM sdg.report_file AS f WHERE f.report_id = r.report_id) AS has_rows
FROM sdg.latest_report AS r WHERE r.kind = 'appendix2' AND r.year = :y
ORDER BY r.kato_code
"""


def write_missing_form_rows(engine: Engine, year: int) -> dict[str, int]:
    """CSV and JSON for each region's newest form of ``year`` that has none yet, one transaction per form.

    The rows are built from the warehouse again and written only when they say what the XLSX says (the same
    content hash as recorded); a form the warehouse has moved on from is ``stale`` (its next version gets them).
    """
    from etl.reports.appendix2 import build_appendix2_forms, content_hash

    counts = {"written": 0, "present": 0, "stale": 0}
    with engine.connect() as conn:
        reports = conn.execute(text(_WITHOUT_ROWS), {"y": year}).all()
    for report in reports:
        if report.has_rows:
            counts["present"] += 1
            continue
        with engine.begin() as conn:
            forms = build_appendix2_forms(conn, report.kato_code, year, report.status)
            if content_hash(forms) != report.content_sha256 or not Path(report.path).exists():
                counts["stale"] += 1
                continue
            issue_form_rows(conn, report.report_id, forms, Path(report.path))
            counts["written"] += 1
    return counts
