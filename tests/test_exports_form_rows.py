"""An issued Appendix 2 form's rows as CSV and JSON beside its XLSX, with their sha256 in ``sdg.report_file``.

Facts from the ``facts`` fixture (the bundled Taldau samples: synthetic values in Taldau's real format); the
form is issued by the real pipeline, then its rows are written by ``etl.reports.form_rows``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import jobs
from etl.reports.appendix2 import build_appendix2_forms, indicator_lines
from etl.reports.form_rows import COLUMNS, issue_form_rows

KATO = "110000000"  # Akmola region


def test_form_rows_beside_the_xlsx_with_their_hashes(facts):
    result = jobs.issue_forms(2025, regions=[KATO])  # the XLSX, then its rows (etl.reports.form_rows)
    assert result["row_files"]["written"] == 1
    with facts.connect() as conn:
        report = conn.execute(
            text("SELECT report_id, path, sha256 FROM sdg.report WHERE kind = 'appendix2' AND kato_code = :k"),
            {"k": KATO},
        ).one()
        forms = build_appendix2_forms(conn, KATO, 2025)
        codes = [code for code, _ in indicator_lines(conn, KATO, 2025)]
        paths = {f: Path(p) for f, p in conn.execute(text("SELECT format, path FROM sdg.report_file")).all()}
    xlsx = Path(report.path)
    assert paths == {"csv": xlsx.with_suffix(".csv"), "json": xlsx.with_suffix(".json")}
    with facts.connect() as conn:
        recorded = dict(
            conn.execute(
                text("SELECT format, sha256 FROM sdg.report_file WHERE report_id = :r"), {"r": report.report_id}
            ).all()
        )
        facts_of_region = dict(
            conn.execute(
                text(
                    "SELECT indicator_code, value FROM sdg.indicator_value "
                    "WHERE kato_code = :k AND year = 2025 AND value IS NOT NULL"
                ),
                {"k": KATO},
            ).all()
        )
    assert recorded == {fmt: hashlib.sha256(p.read_bytes()).hexdigest() for fmt, p in paths.items()}
    assert hashlib.sha256(xlsx.read_bytes()).hexdigest() == report.sha256  # the XLSX is untouched

    rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["rows"] == rows
    ru = [r for r in rows if r["language"] == "ru" and r["block"] == "indicators"]
    kk = [r for r in rows if r["language"] == "kk" and r["block"] == "indicators"]
    assert len(ru) == len(kk) == len(forms[0].indicators) > 0
    filled = {r["indicator_code"]: r["fact"] for r in ru if r["fact"]}
    assert set(filled) == set(facts_of_region)  # every filled Fact, and only those
    decimals = {code: row.decimals for code, row in zip(codes, forms[0].indicators, strict=True)}
    for code, fact in filled.items():  # the value the form prints: the indicator's decimals, half up
        step = Decimal(1).scaleb(-decimals[code])
        assert "E" not in fact and Decimal(fact) == facts_of_region[code].quantize(step, ROUND_HALF_UP), code
    assert [r["fact"] for r in kk] == [r["fact"] for r in ru]  # one content, two languages

    with pytest.raises(FileExistsError), facts.begin() as conn:  # issued files are never overwritten
        issue_form_rows(conn, report.report_id, forms, xlsx)
    with facts.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.report_file")).scalar_one() == 2


def test_issuing_forms_writes_their_rows_once(facts):
    """``sdg report issue`` (jobs.issue_forms) leaves each form's CSV and JSON beside it; a re-run adds nothing."""
    first = jobs.issue_forms(2025)
    assert first["row_files"] == {"written": first["forms"], "present": 0, "stale": 0} and first["forms"] == 20
    for xlsx in map(Path, first["paths"]):
        assert xlsx.with_suffix(".csv").is_file() and xlsx.with_suffix(".json").is_file()
    again = jobs.issue_forms(2025)
    assert again["new_versions"] == 0 and again["row_files"] == {"written": 0, "present": 20, "stale": 0}
    with facts.connect() as conn:
        files = conn.execute(
            text(
                "SELECT f.path, f.sha256 FROM sdg.report_file f JOIN sdg.report r USING (report_id) WHERE r.year = 2025"
            )
        ).all()
    assert len(files) == 40
    assert all(hashlib.sha256(Path(p).read_bytes()).hexdigest() == sha for p, sha in files)
