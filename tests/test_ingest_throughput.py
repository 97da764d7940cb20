"""The gate's cost per night does not grow with the nights before it (issue 9, point 6).

Counted, not timed: the work ``etl.quality.runner`` does (Great Expectations runs, Data Docs builds and
the results each build renders) for the 1st and the 10th night of 50 changed series must be the same.
Before, Data Docs were rebuilt after every series from every result kept so far (n·(n+1)/2 reads a
night, growing each night). Timings are printed for the reader, never asserted.

Synthetic Open SDG files in the real format (``Year``, ``REF_AREA``, ``Value``), written to a temporary
folder under the ids of the first 50 declared ``opensdg`` series; each night every value moves a little,
so every series has a new snapshot to validate and load.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import jobs
from etl.quality import runner

SERIES = 50
NIGHTS = 10
AREAS = ("", "KZAKM", "KZAKT", "KZALA", "KZATY", "KZVOS")


def _write_night(folder: Path, keys: list[str], night: int) -> None:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    for i, key in enumerate(keys):
        lines = ["Year,REF_AREA,Value"]
        for year in range(2015, 2025):
            for j, area in enumerate(AREAS):
                lines.append(f"{year},{area},{50 + i + j + (year - 2015) * 0.5 + night * 0.01:.2f}")
        (data / f"indicator_{key.split(':', 1)[1]}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _night(keys: list[str]) -> tuple[dict[str, int], float, list[dict]]:
    before = dict(runner.STATS)
    started = time.perf_counter()
    results = jobs.ingest_batch(keys)
    spent = time.perf_counter() - started
    return {k: v - before.get(k, 0) for k, v in runner.STATS.items()}, spent, results


@pytest.mark.usefixtures("warehouse_url")
def test_the_tenth_night_costs_what_the_first_did(engine, tmp_path, monkeypatch):
    keys = [k for k in jobs.series_keys("opensdg")][:SERIES]
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path / "platform"))
    runner.build_data_docs()  # the end of whatever ran before in this process (other tests): night 1 starts clean
    work: list[dict[str, int]] = []
    for night in range(NIGHTS):
        _write_night(tmp_path / "platform", keys, night)
        counted, spent, results = _night(keys)
        assert [r["status"] for r in results if r["status"] not in ("loaded", "partial")] == []
        assert all(r["new_snapshots"] == 1 for r in results)
        work.append(counted)
        print(f"night {night + 1}: {spent:.2f} s for {SERIES} changed series; {counted}")

    first, last = work[0], work[-1]
    assert first["validations"] >= 1 and first["docs_builds"] == 1
    assert first["validations"] < SERIES  # many series per GX run, not one run each
    assert last == first, f"night {NIGHTS} did more work than night 1: {last} vs {first}"
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT count(*) FROM sdg.quality_run WHERE dataset = 'observations'")).scalar()
    assert runs == SERIES * NIGHTS  # every series' validation is still recorded on its own


@pytest.mark.usefixtures("warehouse_url")
def test_an_unchanged_night_validates_nothing(tmp_path, monkeypatch):
    keys = [k for k in jobs.series_keys("opensdg")][:5]
    monkeypatch.setenv("SDG_OPENSDG_URL", str(tmp_path / "platform"))
    _write_night(tmp_path / "platform", keys, 0)
    _night(keys)
    counted, _, results = _night(keys)
    assert {r["status"] for r in results} == {"unchanged"}
    assert counted.get("validations", 0) == 0 and counted.get("docs_results", 0) == 0


def test_old_quality_results_are_pruned_but_open_quarantines_kept(engine):
    from etl.quality.store import prune_results

    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO sdg.quality_run (run_id, dataset, suite, row_count, success, decision, run_at)
                VALUES (901, 'observations', 'observations', 1, false, 'load', now() - interval '900 days'),
                       (902, 'observations', 'observations', 1, false, 'quarantine', now() - interval '900 days'),
                       (903, 'observations', 'observations', 1, true, 'load', now())
                """
            )
        )
        for run in (901, 902, 903):
            conn.execute(
                text(
                    "INSERT INTO sdg.quality_result (run_id, position, expectation_type, severity, success, run_at) "
                    "SELECT :r, 0, 'expect_x', 'critical', false, run_at FROM sdg.quality_run WHERE run_id = :r"
                ),
                {"r": run},
            )
        snapshot = conn.execute(
            text(
                "INSERT INTO sdg.snapshot (source, series_key, sha256, url, fetched_at, http_status, size_bytes, "
                "storage_path) VALUES ('opensdg', 'opensdg:1-2-1', repeat('a', 64), 'file:///x', now(), 200, 1, 'x') "
                "RETURNING snapshot_id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO sdg.quarantine (run_id, dataset, source, series_key, snapshot_id, reasons, row_count, "
                "held_count) "
                "VALUES (902, 'observations', 'opensdg', 'opensdg:1-2-1', :s, '[]', 1, 1)"
            ),
            {"s": snapshot},
        )
        assert prune_results(conn, 550) == 1
        left = conn.execute(text("SELECT run_id FROM sdg.quality_result ORDER BY 1")).scalars().all()
        runs = conn.execute(text("SELECT count(*) FROM sdg.quality_run WHERE run_id IN (901, 902, 903)")).scalar()
    assert left == [902, 903] and runs == 3
