"""A night's series in one batch: each failure stays its series' own, and the parser's doubts are stored.

SYNTHETIC Open SDG files in the real format (``Year``, dimension columns, ``REF_AREA``, ``Value``) under the
ids of declared ``opensdg`` series, in a temporary folder the source reads as its repository.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from slow_servers import SlowServer, elapsed_since
from sqlalchemy import text

from etl import jobs

GOOD = "Year,REF_AREA,Value\n2020,,10.5\n2020,KZAKM,11.5\n2021,,10.7\n2021,KZAKM,11.9\n"


def _platform(folder: Path, files: dict[str, str]) -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for key, body in files.items():
        (folder / "data" / f"indicator_{key.split(':', 1)[1]}.csv").write_text(body, encoding="utf-8")


@pytest.fixture
def keys() -> list[str]:
    return jobs.series_keys("opensdg")[:5]


def test_failures_in_the_middle_of_a_batch_are_theirs_alone(engine, keys, tmp_path, monkeypatch):
    files = dict.fromkeys(keys, GOOD)
    files[keys[1]] = "Year,REF_AREA,Value\n2020,,45,5\n"  # a decimal comma: wider than the header
    files[keys[3]] = "Year,REF_AREA,Value\n2020,,Infinity\n"  # no column can hold it
    _platform(tmp_path, files)
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path))
    seen: list[str] = []

    results = jobs.ingest_batch(keys, done=lambda r: seen.append(r["series_key"]))

    assert [r["series_key"] for r in results] == keys and sorted(seen) == sorted(keys)
    status = {r["series_key"]: r["status"] for r in results}
    assert status == {keys[0]: "loaded", keys[1]: "failed", keys[2]: "loaded", keys[3]: "failed", keys[4]: "loaded"}
    errors = {r["series_key"]: r["error"] for r in results if r["error"]}
    assert "indicator_" + keys[1].split(":")[1] in errors[keys[1]] and "decimal comma" in errors[keys[1]]
    assert "Infinity" in errors[keys[3]] and "line 2" in errors[keys[3]]
    assert not any(r["retryable"] for r in results if r["status"] == "failed")  # the same bytes fail again
    with engine.connect() as conn:
        loaded = dict(
            conn.execute(
                text(
                    "SELECT s.series_key, count(*) FROM sdg.observation o JOIN sdg.series s USING (series_id) "
                    "GROUP BY 1"
                )
            ).all()
        )
        kept = conn.execute(
            text("SELECT series_key, load_error IS NOT NULL FROM sdg.snapshot WHERE series_key = ANY(:k)"),
            {"k": [keys[1], keys[3]]},
        ).all()
    assert loaded == {keys[0]: 4, keys[2]: 4, keys[4]: 4}
    assert sorted(kept) == sorted([(keys[1], True), (keys[3], True)])  # raw answers kept, with the reason


def test_parse_warnings_are_stored_on_the_snapshot_and_reported(engine, keys, tmp_path, monkeypatch):
    short = GOOD + "2022,11.0\n"  # a row that lost a cell: skipped, counted, stored
    _platform(tmp_path, {keys[0]: short})
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path))

    (result,) = jobs.ingest_batch(keys[:1])

    assert result["status"] == "loaded" and result["rows"] == 4
    assert result["parse_warnings"] == {"short_row": 1}
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT parse_warnings FROM sdg.snapshot WHERE snapshot_id = :s"), {"s": result["snapshots"][0]}
        ).scalar_one()
    assert stored["short_row"]["count"] == 1 and stored["short_row"]["samples"]


def test_a_source_that_cannot_start_fails_each_of_its_series(warehouse_url, monkeypatch):
    sdmx = jobs.series_keys("sdmx")
    monkeypatch.delenv("SDG_SDMX_URL", raising=False)
    results = jobs.ingest_batch(sdmx)
    assert {r["status"] for r in results} == {"failed"} and len(results) == len(sdmx)
    assert all("sdmx" in r["error"] for r in results)


def test_a_trickling_series_ends_at_its_series_deadline_and_the_batch_goes_on(engine, monkeypatch):
    """One series' server sends a byte every 0.5 s for ever: the series fails at its own budget
    (``SDG_SERIES_DEADLINE``, tighter than the request deadline), named and retryable; the others load."""
    ok, slow = "opensdg:1-2-1", "opensdg:9-2-1"
    monkeypatch.setenv("SDG_REQUEST_DEADLINE", "60")
    monkeypatch.setenv("SDG_SERIES_DEADLINE", "2")
    with SlowServer({"indicator_9-2-1.csv": "trickle"}) as server:
        monkeypatch.setenv("SDG_OPENSDG_URL", server.url_for("opensdg"))
        started = time.monotonic()
        results = jobs.ingest_batch([slow, ok])
        took = elapsed_since(started)

    status = {r["series_key"]: r for r in results}
    assert status[ok]["status"] == "loaded" and status[ok]["rows"] > 0
    assert status[slow]["status"] == "failed" and status[slow]["retryable"]
    assert "series deadline of 2 s (SDG_SERIES_DEADLINE)" in status[slow]["error"]
    assert "indicator_9-2-1.csv" in status[slow]["error"]
    assert took < 30, f"the batch took {took:.1f} s: the series deadline did not hold"


def test_held_rows_give_exit_code_3_and_the_quarantine_lists_their_scope(engine, keys, tmp_path, monkeypatch, capsys):
    from etl.cli import EXIT_HELD, main

    abolished = GOOD + "2020,KZONT,9.0\n2021,KZONT,9.5\n"  # South Kazakhstan after its end in 2018: held
    _platform(tmp_path, {keys[0]: abolished, keys[1]: GOOD})
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path))

    assert main(["ingest", "--source", "opensdg", "--series", keys[0], keys[1]]) == EXIT_HELD
    out = capsys.readouterr().out
    assert f"HELD {keys[0]}: 2 rows in quarantine" in out and "partial: 1" in out and "loaded: 1" in out

    assert main(["quality", "quarantine"]) == 0
    listing = capsys.readouterr().out
    assert f"{keys[0]}" in listing and "2 of 6 rows held (the rest loaded)" in listing
    assert "region_valid_for_period" in listing and "1 quarantine(s) waiting, 2 rows held" in listing


def test_series_not_started_within_the_budget_fail_as_transient(engine, keys, tmp_path, monkeypatch):
    """A task with a time limit stops starting series when its budget is spent; they may pass on a retry."""
    _platform(tmp_path, dict.fromkeys(keys, GOOD))
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path))

    results = jobs.ingest_batch(keys, budget=0)

    assert {r["status"] for r in results} == {"failed"} and all(r["retryable"] for r in results)
    assert all("not fetched: the run's time budget of 0 s was spent" in r["error"] for r in results)
    with pytest.raises(jobs.RetryLater, match=f"{len(keys)} of {len(keys)} series may pass on a later try"):
        jobs.ingest_chunk(keys, last_try=False, budget=0)
    assert [r["status"] for r in jobs.ingest_chunk(keys, last_try=False)] == ["loaded"] * len(keys)
    assert [r["status"] for r in jobs.ingest_chunk(keys, last_try=True, budget=0)] == ["failed"] * len(keys)


@pytest.mark.parametrize(
    ("declared", "slots", "size", "lengths"),
    [(5, 4, 50, [2, 2, 1]), (5, 1, 50, [5]), (120, 2, 50, [40, 40, 40]), (3, 8, 50, [1, 1, 1])],
)
def test_series_chunks_fill_every_slot_and_stay_small(monkeypatch, declared, slots, size, lengths):
    names = [f"opensdg:{i}" for i in range(declared)]
    monkeypatch.setattr(jobs, "series_keys", lambda source: names)
    chunks = jobs.series_chunks("opensdg", slots, size)
    assert [len(c) for c in chunks] == lengths and [k for c in chunks for k in c] == names


def test_the_closing_check_names_failed_held_and_missing_series():
    results = [
        {"series_key": "a", "status": "loaded", "held_rows": 0},
        {"series_key": "b", "status": "failed", "error": "opensdg: x.csv: HTTP 404"},
        {"series_key": "c", "status": "quarantined", "quarantines": [7], "held_rows": 3},
        {"series_key": "d", "status": "partial", "quarantines": [8], "held_rows": 2},
    ]
    with pytest.raises(jobs.IncompleteIngestion) as info:
        jobs.check_all_ingested(["a", "b", "c", "d", "e"], results)
    message = str(info.value)
    assert message.startswith("3 of 5 series failed to ingest")
    assert "b: opensdg: x.csv: HTTP 404" in message and "c: whole answer held in quarantine [7]" in message
    assert "e: no result" in message and "d:" not in message
    jobs.check_all_ingested(["a", "d"], results)  # held rows alone: logged, not a failure
