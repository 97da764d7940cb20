"""The load benchmark still runs end to end and its rows say what its prose claims (no timing is asserted).

It is run small (two series, two rounds) against the test server; the figures themselves are in
docs/performance.md. Input is the benchmark's own SYNTHETIC snapshot in the real GetIndexData shape.
"""

from __future__ import annotations

import re
import sys

from etl import config

sys.path.insert(0, str(config.PROJECT_ROOT / "benchmarks"))
import load_observations  # noqa: E402

STEPS = (
    "a. pipeline (parse + load + commit)",
    "b. raw COPY (CSV pre-serialised)",
    "b. to_csv + raw COPY",
    "b. raw COPY into observation-shaped table",
    "c. to_sql EXTRAPOLATED to all rows",
    "d(i). same frames again via load_observations",
    "d(ii). snapshot short-circuit (record only)",
)


def test_benchmark_runs_and_reports_every_ratio(pg_server_url, capsys, tmp_path) -> None:
    chart = tmp_path / "chart.svg"
    code = load_observations.main(
        ["--rows", "18000", "--rounds", "2", "--database-url", pg_server_url, "--chart", str(chart)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    for step in STEPS:
        assert step in rows, step
    # two series of 21 regions x 432 months; every round reloads them into an emptied table
    assert "18,144 |" in rows[STEPS[0]]
    assert err.count("inserted=18,144") == 2
    assert "inserted=0 revised=0" in err  # the second load of the same frames changes nothing
    assert "already_loaded=True for 2 snapshots" in err
    pipeline_spread = rows[STEPS[0]].split("|")[4].strip()
    assert re.fullmatch(r"\d+\.\d\d-\d+\.\d\d", pipeline_spread)  # two rounds measured, min-max shown
    assert re.search(
        r"observation-shaped table = \d+\.\d\dx \(rounds: [\d.]+, [\d.]+\)  target <= 3x: (met|NOT met)", out
    )
    assert chart.read_text(encoding="utf-8").startswith("<svg") and "raw COPY = 1x" in chart.read_text(encoding="utf-8")
