"""Ingest of Taldau series into the warehouse: rows, snapshots, idempotence, vintages and failed loads.

Revised and broken answers are SYNTHETIC: copies of the bundled samples with values changed, a region
row duplicated, or an HTML page in place of the JSON, served over HTTP like the real API.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from taldau_samples import segment_of
from warehouse_state import observations_checksum

from etl import config
from etl.catalogue.model import load_regions, load_series
from etl.jobs import ingest
from etl.sources.errors import SourceError
from etl.sources.observations import OBSERVATION_COLUMNS
from etl.sources.replay import ReplayServer
from etl.warehouse.observations import DuplicateCutError

SAMPLES = config.SAMPLES_DIR / "taldau"
KEY = "taldau:704460:p7"
FILE = "704460-p7-d67.json"


def _terms() -> dict[int, str]:
    return {r.taldau_term_id: r.kato_code for r in load_regions() if r.taldau_term_id}


def _expected(text_value: str) -> tuple[Decimal | None, str]:
    token = text_value.strip()
    if token.lower() in ("x", "х"):
        return None, "suppressed"
    if token in ("", "-"):
        return None, "missing"
    return Decimal(token.replace(",", ".")), "A"


def _total_rows(series_key: str, rows: list) -> list:
    p = next(s for s in load_series() if s.series_key == series_key).params
    totals = segment_of(p["index_id"], p["period_id"], p["dics"], p["total_terms"])[1]
    return [r for r in rows if r["terms"][1:] == totals]


def _read(path: Path) -> list:
    return json.loads(path.read_text(encoding="utf-8-sig"))


def _write(path: Path, rows: list) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"))


def _copy_samples(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    shutil.copytree(SAMPLES, root / "taldau")
    return root


def _current(engine, series_key: str) -> dict[tuple[str, date], tuple]:
    sql = """
        SELECT o.kato_code, o.period_end, o.value, o.value_text, o.obs_status, o.snapshot_id
        FROM sdg.observation o JOIN sdg.series s USING (series_id)
        WHERE s.series_key = :k AND o.valid_to IS NULL
    """
    with engine.connect() as conn:
        return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(text(sql), {"k": series_key})}


@pytest.mark.parametrize(
    ("series_key", "file_name"),
    [(KEY, FILE), ("taldau:702846:p7", "702846-p7-d67_576.json"), ("taldau:4630524:p7", "4630524-p7-d67_749_576.json")],
)
def test_ingest_loads_every_total_row_with_its_status(engine, replay, series_key, file_name):
    path = SAMPLES / "GetIndexData" / file_name
    kept = _total_rows(series_key, _read(path))
    n_expected = sum(len(r["periods"]) for r in kept)

    result = ingest("taldau", series_key)

    assert result["status"] == "loaded"
    assert result["rows"] == result["inserted"] == n_expected
    assert result["revised"] == result["unmapped_regions"] == 0
    current = _current(engine, series_key)
    assert len(current) == n_expected
    terms = _terms()
    for row in kept:
        for period in row["periods"]:
            day, month, year = (int(p) for p in period["date"].split("."))
            value, value_text, status, snapshot_id = current[(terms[row["terms"][0]], date(year, month, day))]
            exp_value, exp_status = _expected(period["value"])
            assert (status, value_text) == (exp_status, period["value"])
            assert value == exp_value
            assert [snapshot_id] == result["snapshots"]
    statuses = {s for _, _, s, _ in current.values()}
    assert {"A", "suppressed", "missing"} <= statuses  # every sample has all three forms


def test_snapshot_is_kept_and_reingest_is_unchanged(engine, replay, warehouse_url):
    content = (SAMPLES / "GetIndexData" / FILE).read_bytes()
    first = ingest("taldau", KEY)
    before = observations_checksum(engine)
    assert before[0] == first["rows"] > 0

    with engine.connect() as conn:
        snap = (
            conn.execute(text("SELECT * FROM sdg.snapshot WHERE snapshot_id = :s"), {"s": first["snapshots"][0]})
            .mappings()
            .one()
        )
    assert snap["sha256"] == hashlib.sha256(content).hexdigest()
    assert snap["size_bytes"] == len(content)
    assert snap["http_status"] == 200
    assert snap["rows_parsed"] == first["rows"]
    assert snap["loaded_at"] is not None and snap["load_error"] is None
    assert snap["url"].startswith(replay + "/ru/Api/GetIndexData/704460?")
    stored = Path(snap["storage_path"])
    assert stored.is_relative_to(config.snapshot_dir())  # under the test's own SDG_DATA_DIR
    assert stored.read_bytes() == content
    manifest = json.loads(stored.with_name(f"{snap['sha256']}.taldau_704460_p7.json").read_text())
    assert manifest["sha256"] == snap["sha256"] and manifest["series_key"] == KEY

    second = ingest("taldau", KEY)
    assert second["status"] == "unchanged"
    assert second["snapshots"] == first["snapshots"]
    assert observations_checksum(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.snapshot")).scalar() == 1


def test_revised_values_become_vintages(engine, replay, tmp_path):
    root = _copy_samples(tmp_path)
    target = root / "taldau" / "GetIndexData" / FILE
    rows = _read(target)
    terms = _terms()
    # synthetic revision: two published numbers change (the first numeric 2024 and 2023 cells of two regions)
    numeric = [
        (terms[r["terms"][0]], p["date"])
        for r in rows
        for p in r["periods"]
        if p["date"] in ("31.12.2024", "31.12.2023") and _expected(p["value"])[1] == "A"
    ]
    first_2024 = next(c for c in numeric if c[1] == "31.12.2024")
    first_2023 = next(c for c in numeric if c[1] == "31.12.2023" and c[0] != first_2024[0])
    changes = {}
    for (kato, end), new in ((first_2024, "9,9"), (first_2023, "1,25")):
        row = next(r for r in rows if terms[r["terms"][0]] == kato)
        period = next(p for p in row["periods"] if p["date"] == end)
        assert _expected(period["value"])[1] == "A" and _expected(period["value"])[0] != _expected(new)[0]
        changes[(kato, date(int(end[-4:]), 12, 31))] = (_expected(period["value"])[0], _expected(new)[0])
        period["value"] = new
    _write(target, rows)

    first = ingest("taldau", KEY)
    old_current = _current(engine, KEY)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    with ReplayServer(root) as server:
        second = ingest("taldau", KEY, base_url=server.url_for("taldau"))

    assert second["status"] == "loaded"
    assert second["snapshots"] != first["snapshots"]
    assert (second["revised"], second["inserted"], second["rows"]) == (2, 0, first["rows"])

    with engine.connect() as conn:
        revisions = conn.execute(
            text(
                "SELECT kato_code, period_end, old_value, new_value, old_snapshot_id, new_snapshot_id "
                "FROM sdg.observation_revision ORDER BY kato_code"
            )
        ).all()
        duplicates = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM sdg.observation WHERE valid_to IS NULL "
                "GROUP BY series_id, kato_code, period_start, period_end, dims HAVING count(*) > 1) d"
            )
        ).scalar()
        n_current = conn.execute(text("SELECT count(*) FROM sdg.observation WHERE valid_to IS NULL")).scalar()
        as_of = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                text("SELECT kato_code, period_end, value FROM sdg.observation_as_of(:t)"), {"t": between}
            )
        }
        as_of_now = {
            (r[0], r[1]): r[2]
            for r in conn.execute(text("SELECT kato_code, period_end, value FROM sdg.observation_as_of(now())"))
        }

    assert [(r[0], r[1]) for r in revisions] == sorted(changes)
    for kato, end, old_value, new_value, old_snap, new_snap in revisions:
        assert (old_value, new_value) == changes[(kato, end)]
        assert [old_snap, new_snap] == first["snapshots"] + second["snapshots"]
    assert duplicates == 0
    assert n_current == first["rows"]
    assert as_of == {cut: values[0] for cut, values in old_current.items()}
    for cut, (old_value, new_value) in changes.items():
        assert as_of[cut] == old_value
        assert as_of_now[cut] == new_value
    unchanged = set(as_of) - set(changes)
    assert all(as_of_now[cut] == as_of[cut] for cut in unchanged)

    with ReplayServer(root) as server:  # the revised answer again: nothing more changes
        assert ingest("taldau", KEY, base_url=server.url_for("taldau"))["status"] == "unchanged"


def _duplicate_region(rows: list) -> list:
    astana = next(r for r in rows if r["terms"] == [268012])
    twin = json.loads(json.dumps(astana))
    twin["periods"][-1]["value"] = "123,4"
    return [*rows, twin]


@pytest.mark.parametrize(
    ("make_bad", "error", "reason"),
    [
        (
            lambda path: path.write_bytes(b"<!DOCTYPE html><html><body>Service Unavailable</body></html>"),
            SourceError,
            "HTML page instead of JSON",
        ),
        (lambda path: path.write_bytes(path.read_bytes()[:-300]), SourceError, "invalid or truncated JSON"),
    ],
    ids=["html-page", "truncated-json"],
)
def test_failed_load_changes_nothing_but_keeps_the_raw_answer(engine, replay, tmp_path, make_bad, error, reason):
    ingest("taldau", KEY)
    before = observations_checksum(engine)
    root = _copy_samples(tmp_path)
    target = root / "taldau" / "GetIndexData" / FILE
    make_bad(target)
    bad_bytes = target.read_bytes()

    with ReplayServer(root) as server, pytest.raises(error, match=reason):
        ingest("taldau", KEY, base_url=server.url_for("taldau"))

    assert observations_checksum(engine) == before
    with engine.connect() as conn:
        snap = (
            conn.execute(
                text("SELECT * FROM sdg.snapshot WHERE sha256 = :h"), {"h": hashlib.sha256(bad_bytes).hexdigest()}
            )
            .mappings()
            .one()
        )
    assert snap["loaded_at"] is None
    assert snap["rows_parsed"] is None
    assert re.search(reason, snap["load_error"])
    assert Path(snap["storage_path"]).read_bytes() == bad_bytes


def test_duplicate_cut_is_quarantined_and_changes_nothing(engine, replay, tmp_path):
    """Two values for one (region, period) is a critical quality failure: both rows held, explained; the
    other rows (unchanged here) load."""
    ingest("taldau", KEY)
    before = observations_checksum(engine)
    root = _copy_samples(tmp_path)
    target = root / "taldau" / "GetIndexData" / FILE
    _write(target, _duplicate_region(_read(target)))
    bad_sha = hashlib.sha256(target.read_bytes()).hexdigest()

    with ReplayServer(root) as server:
        result = ingest("taldau", KEY, base_url=server.url_for("taldau"))

    assert result["status"] == "partial" and result["quarantines"] and result["held_rows"] > 0
    assert observations_checksum(engine) == before
    with engine.connect() as conn:
        snap = conn.execute(text("SELECT * FROM sdg.snapshot WHERE sha256 = :h"), {"h": bad_sha}).mappings().one()
        quarantine = (
            conn.execute(text("SELECT * FROM sdg.quarantine WHERE snapshot_id = :s"), {"s": snap["snapshot_id"]})
            .mappings()
            .one()
        )
    assert snap["loaded_at"] is not None  # the rest loaded: a re-run does not read it again
    assert (quarantine["status"], quarantine["scope"]) == ("quarantined", "rows")
    assert quarantine["held_count"] == result["held_rows"] == len(quarantine["failing_rows"])
    assert "kato_code,period_start,period_end,dims" in str(quarantine["reasons"])


def test_loader_refuses_duplicate_cuts_itself(engine):
    """The loader does not rely on the gate: duplicates never reach the table."""
    from etl.warehouse.observations import load_observations

    frame = pd.DataFrame(
        [("710000000", date(2024, 1, 1), date(2024, 12, 31), "A", "", Decimal("1"), "1", "A", None)] * 2,
        columns=list(OBSERVATION_COLUMNS),
    )
    with pytest.raises(DuplicateCutError, match="share a .region, period, dims"), engine.begin() as conn:
        load_observations(conn, frame, series_id=1, snapshot_id=1, valid_from=datetime.now(UTC))


def test_released_batch_loads_on_release(engine, replay, tmp_path):
    """A share above 100 % is held, the rest loads; a person who checked it releases it and it loads, once."""
    from etl.jobs import quarantined, release

    root = _copy_samples(tmp_path)
    target = root / "taldau" / "GetIndexData" / FILE
    rows = _read(target)
    period = next(p for r in rows for p in r["periods"] if _expected(p["value"])[1] == "A")
    period["value"] = "150,0"  # synthetic: 1.2.1 is a share (catalogue/quality.csv)
    _write(target, rows)
    with ReplayServer(root) as server:
        held = ingest("taldau", KEY, base_url=server.url_for("taldau"))
        assert (held["status"], held["held_rows"]) == ("partial", 1)
        assert observations_checksum(engine)[0] == held["rows"] > 0
        partial = observations_checksum(engine)
        rerun = ingest("taldau", KEY, base_url=server.url_for("taldau"))  # same snapshot: the held row stays out
        assert (rerun["status"], rerun["rows"], rerun["held_rows"]) == ("unchanged", 0, 0)
        assert observations_checksum(engine) == partial
        (waiting,) = quarantined()
        assert waiting["quarantine_id"] == held["quarantines"][0] and "percent_value" in waiting["reasons"]
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
            loaded = release(waiting["quarantine_id"], "analyst@example.kz", "checked with the statistics office")
    assert loaded["status"] == "loaded" and loaded["inserted"] == 1 and loaded["revised"] == 0
    assert quarantined() == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.observation WHERE value = 150")).scalar() == 1
        release_row = conn.execute(text("SELECT * FROM sdg.quarantine")).mappings().one()
    assert release_row["status"] == "released" and release_row["released_by"] == "analyst@example.kz"
    assert release_row["loaded_run_id"] is not None


def test_table_refuses_a_second_current_value_per_cut_but_keeps_history(engine, replay):
    """The key of sdg.observation (cut + valid_to, NULLS NOT DISTINCT) is the last guard, below the loader."""
    ingest("taldau", KEY)
    clone = """
        INSERT INTO sdg.observation (series_id, kato_code, period_start, period_end, frequency, dims, value,
                                     value_text, obs_status, unit, snapshot_id, valid_from, valid_to)
        SELECT series_id, kato_code, period_start, period_end, frequency, dims, value, value_text, obs_status,
               unit, snapshot_id, valid_from - interval '1 day', {valid_to}
        FROM sdg.observation WHERE valid_to IS NULL ORDER BY observation_id LIMIT 1
    """
    with pytest.raises(IntegrityError, match="observation_cut_uq"), engine.begin() as conn:
        conn.execute(text(clone.format(valid_to="NULL")))
    with engine.begin() as conn:  # an older, closed value of the same cut is history, and allowed
        assert conn.execute(text(clone.format(valid_to="valid_from"))).rowcount == 1
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # is the index usable at all, whatever the table size
        current = "SELECT * FROM sdg.observation WHERE series_id = 1 AND kato_code = '751110000' AND valid_to IS NULL"
        plans = conn.execute(text(f"EXPLAIN {current}")).scalars()
        assert "observation_cut_uq" in " ".join(plans)
