"""Files from responsible bodies through the real ingest loop and warehouse: loads, rejections kept, vintages.

The inbox files are the bundled SYNTHETIC samples or copies of them with one cell changed. Fault
injection over HTTP does not apply (files are read from a folder); a corrupt workbook stands in for it.
"""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from etl import config
from etl.jobs import ingest
from etl.sources.errors import SourceError

SAMPLES = config.SAMPLES_DIR / "files" / "inbox"
HEALTH, EDUCATION = "files:health_dept", "files:education_dept"

SERIES_CHECKSUM = """
SELECT count(*), md5(coalesce(string_agg(
    concat_ws('|', o.observation_id, o.kato_code, o.period_end, o.dims, o.value, o.value_text, o.obs_status,
              o.unit, o.snapshot_id, o.valid_from, o.valid_to),
    ';' ORDER BY o.observation_id), ''))
FROM sdg.observation o JOIN sdg.series s USING (series_id) WHERE s.series_key = :k
"""


def _checksum(engine, key: str) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(SERIES_CHECKSUM), {"k": key}).one())


def _snapshots(engine, key: str) -> list[dict]:
    sql = "SELECT * FROM sdg.snapshot WHERE series_key = :k ORDER BY snapshot_id"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {"k": key}).mappings()]


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))[1:]


def _xlsx_rows(path: Path) -> list[tuple]:
    sheet = load_workbook(path).worksheets[0]  # full (not read-only) mode: independent of the parser's reading
    return [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def _status(value: object) -> str:
    token = "" if value is None else str(value).strip()
    return {"x": "suppressed", "": "missing", "-": "missing"}.get(token, "A")


@pytest.fixture
def inbox(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "inbox"
    shutil.copytree(SAMPLES, folder)
    monkeypatch.setenv("SDG_FILES_INBOX", str(folder))
    return folder


def test_sample_files_load_with_independent_counts(engine, inbox):
    health, education = _xlsx_rows(inbox / "health_2024.xlsx"), _csv_rows(inbox / "education_2024.csv")

    loaded = {key: ingest("files", key) for key in (HEALTH, EDUCATION)}

    for key, rows in ((HEALTH, health), (EDUCATION, education)):
        assert loaded[key]["status"] == "loaded"
        assert loaded[key]["rows"] == loaded[key]["inserted"] == len(rows) > 0
        with engine.connect() as conn:
            statuses = dict(
                conn.execute(
                    text(
                        "SELECT obs_status, count(*) FROM sdg.observation o JOIN sdg.series s USING (series_id) "
                        "WHERE s.series_key = :k GROUP BY 1"
                    ),
                    {"k": key},
                ).all()
            )
        expected: dict[str, int] = {}
        for r in rows:
            expected[_status(r[4])] = expected.get(_status(r[4]), 0) + 1
        assert statuses == expected
    snap = _snapshots(engine, HEALTH)[0]
    assert snap["url"] == (inbox / "health_2024.xlsx").resolve().as_uri()
    assert snap["params"]["file"] == "health_2024.xlsx" and snap["params"]["submitter"] == "health_dept"
    assert Path(snap["storage_path"]).read_bytes() == (inbox / "health_2024.xlsx").read_bytes()


def test_reingest_of_unchanged_files_is_unchanged(engine, inbox):
    first = ingest("files", EDUCATION)
    before = _checksum(engine, EDUCATION)
    second = ingest("files", EDUCATION)
    assert second["status"] == "unchanged" and second["snapshots"] == first["snapshots"]
    assert _checksum(engine, EDUCATION) == before


def _bad_copy(source: Path, target: Path) -> None:
    """health_2024.xlsx with one KATO code cut to 8 digits on sheet row 7."""
    book = load_workbook(source)
    book.worksheets[0]["B7"] = "71000000"
    book.save(target)


def test_bad_file_is_rejected_and_kept_while_another_submitter_loads(engine, inbox):
    assert ingest("files", HEALTH)["status"] == "loaded"
    before = _checksum(engine, HEALTH)
    bad = inbox / "health_2025.xlsx"
    _bad_copy(inbox / "health_2024.xlsx", bad)
    bad_bytes = bad.read_bytes()

    with pytest.raises(SourceError) as caught:
        ingest("files", HEALTH)
    assert "health_2025.xlsx, row 7, column «Код КАТО»: '71000000' is not a 9-digit KATO code" in str(caught.value)
    assert caught.value.url == bad.resolve().as_uri()
    assert ingest("files", EDUCATION)["status"] == "loaded"

    assert _checksum(engine, HEALTH) == before  # nothing partial from the rejected file
    assert bad.read_bytes() == bad_bytes  # kept in the inbox, untouched
    rejected = _snapshots(engine, HEALTH)[-1]
    assert rejected["sha256"] == hashlib.sha256(bad_bytes).hexdigest()
    assert rejected["loaded_at"] is None and "row 7, column «Код КАТО»" in rejected["load_error"]
    assert Path(rejected["storage_path"]).read_bytes() == bad_bytes  # raw bytes kept as a snapshot
    manifest = Path(rejected["storage_path"]).with_name(f"{rejected['sha256']}.files_health_dept.json")
    assert manifest.exists()

    with pytest.raises(SourceError, match="row 7"):  # still rejected next night, until the sender fixes it
        ingest("files", HEALTH)
    shutil.copy(inbox / "health_2024.xlsx", bad)  # fixed: same name, same values as the loaded file
    fixed = ingest("files", HEALTH)
    assert fixed["status"] == "unchanged"  # identical bytes = the snapshot loaded before


def test_corrupt_workbook_is_rejected_with_a_clear_error_and_kept(engine, inbox):
    corrupt = inbox / "health_2025.xlsx"
    corrupt.write_bytes(random.Random(7).randbytes(3000))
    with pytest.raises(SourceError, match=r"health_2025\.xlsx: not a readable XLSX workbook"):
        ingest("files", HEALTH)
    assert corrupt.exists()
    errors = [s["load_error"] for s in _snapshots(engine, HEALTH)]
    # the good file of the same submitter waits too: one load transaction per series
    assert len(errors) == 2 and all("not a readable XLSX workbook" in e for e in errors)
    assert _checksum(engine, HEALTH)[0] == 0


def test_new_version_with_one_changed_value_is_a_revision(engine, inbox):
    path = inbox / "education_2024.csv"
    first = ingest("files", EDUCATION)
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    cells = lines[5].split(";")  # one data row; only its value changes
    old_value, cells[4] = cells[4], "77,7"
    lines[5] = ";".join(cells)
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))

    second = ingest("files", EDUCATION)

    assert (second["status"], second["revised"], second["inserted"]) == ("loaded", 1, 0)
    with engine.connect() as conn:
        revisions = conn.execute(
            text(
                "SELECT kato_code, old_value, new_value, old_snapshot_id, new_snapshot_id FROM sdg.observation_revision"
            )
        ).all()
    assert len(revisions) == 1
    kato, old, new, old_snap, new_snap = revisions[0]
    assert kato == cells[1] and str(new) == "77.7" and str(old) == old_value.replace(",", ".")
    assert (old_snap, new_snap) == (first["snapshots"][0], second["snapshots"][0])


def test_rows_map_to_an_indicator_through_the_indicator_dim(engine, inbox):
    """compute.py joins on dims: a mapping with dims INDICATOR=<code> takes that indicator's total rows.

    The mapping is inserted into this test's private warehouse only (3.2.1 is Taldau's in the catalogue).
    """
    from etl.indicators.compute import compute_indicator_values

    ingest("files", HEALTH)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sdg.indicator_series"))
        conn.execute(
            text(
                "INSERT INTO sdg.indicator_series (indicator_code, series_key, dims, formula, scale) "
                "VALUES ('3.2.1', :k, 'INDICATOR=3.3.1', 'direct', 1)"
            ),
            {"k": HEALTH},
        )
        written = compute_indicator_values(conn)
        facts = conn.execute(
            text("SELECT kato_code, year, value_text FROM sdg.indicator_value WHERE indicator_code = '3.2.1'")
        ).all()
    totals = [r for r in _xlsx_rows(inbox / "health_2024.xlsx") if r[0] == "3.3.1" and not r[6]]
    assert written == len(facts) == len(totals)
    assert {(r[1], r[3], str(r[4])) for r in totals} == {(k, y, v) for k, y, v in facts}
