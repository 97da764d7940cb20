"""Benchmark: the national platform's whole repository through ``sdg ingest --source opensdg``, by stage.

Why: issue 9 sets targets for the nightly ingest of the platform (273 files, ~45,000 rows): at most 60 s on
2 cores for the first run, at most 5 s for an unchanged re-run, the quality gate under 20 % of the total.
Absolute times vary by machine, so each figure is printed beside baselines measured in the same process and
run, on the same rows:

- **parse alone**: every file read and parsed by the Open SDG parser, nothing else (the floor of an ingest);
- **raw COPY** of the parsed rows into a plain unindexed table (CSV serialised before timing);
- **to_sql**: ``DataFrame.to_sql`` (default method) of the same rows into a plain table.

Then the real ingest (``etl.jobs.ingest_batch``, what the CLI runs) into an empty warehouse, split into its
stages (fetch + snapshot, parse, validate with Great Expectations — including importing it, once per process
— load, and the run's end: Data Docs and pruning), and a second, unchanged run. Run::

    .venv/bin/python benchmarks/ingest_opensdg.py [--repo ../shared/data/kazstat-sdg-data] [--database-url URL]

Never a test (it is not under ``tests/``) and it asserts no wall-clock time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from etl import config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_observations import (  # noqa: E402 - the sibling benchmark's server, table and COPY helpers
    BASELINE_COLUMNS,
    plain_table,
    server_url,
    stage,
    throwaway_database,
    time_copy,
    timed,
)

DEFAULT_REPO = config.PROJECT_ROOT.parent / "shared" / "data" / "kazstat-sdg-data"
FIRST_RUN = "ingest, first run (every series new)"
GX_IMPORT = "import GX, build its context (once per process)"


def parse_alone(keys: list[str]) -> tuple[float, pd.DataFrame]:
    """Seconds to fetch (read) and parse every file with no snapshot, gate or load; the parsed rows."""
    from etl.catalogue.model import load_series
    from etl.sources.base import RegionLookup
    from etl.sources.registry import get_source
    from etl.warehouse.connection import get_engine

    declared = {s.series_key: s for s in load_series()}
    source = get_source("opensdg")
    with get_engine().connect() as conn:
        regions = RegionLookup.from_connection(conn)
    frames = []
    started = time.perf_counter()
    for i, key in enumerate(keys):
        series = declared[key]
        for fetched in source.fetch(series):
            frames.append(source.parse(fetched, series, regions).frame.assign(series_id=i))
    seconds = time.perf_counter() - started
    return seconds, pd.concat(frames, ignore_index=True).loc[:, list(BASELINE_COLUMNS)]


def ingest_run(keys: list[str]) -> tuple[float, dict[str, float], list[dict]]:
    """Seconds of one ``ingest_batch`` over ``keys`` and its seconds by stage."""
    from etl import jobs
    from etl.ingest import run
    from etl.quality import runner

    before, imported = dict(run.STAGE_SECONDS), runner.SECONDS["context"]
    started = time.perf_counter()
    results = jobs.ingest_batch(keys)
    total = time.perf_counter() - started
    stages = {k: v - before.get(k, 0.0) for k, v in run.STAGE_SECONDS.items()}
    stages["end of run (Data Docs, pruning)"] = total - sum(stages.values())
    stages[GX_IMPORT] = runner.SECONDS["context"] - imported
    stages["validate"] -= stages[GX_IMPORT]
    return total, stages, results


def to_sql_seconds(engine, frame: pd.DataFrame) -> float:
    with plain_table(engine, "bench_to_sql"):
        return timed(lambda: frame.to_sql("bench_to_sql", engine, if_exists="append", index=False, chunksize=10_000))


def table(rows: list[tuple[str, int, float]], parse_s: float, copy_s: float, total_s: float) -> str:
    lines = [
        "| step | rows | seconds | x parse alone | x COPY | share of first run |",
        "|------|-----:|--------:|--------------:|-------:|-------------------:|",
    ]
    for step, n, seconds in rows:
        share = f"{100 * seconds / total_s:.0f} %" if step.startswith("   ") or step == FIRST_RUN else ""
        lines.append(f"| {step} | {n:,} | {seconds:.2f} | {seconds / parse_s:.2f} | {seconds / copy_s:.2f} | {share} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="an Open SDG data repository (local clone)")
    parser.add_argument("--database-url", help="server to create the throwaway database on (default: env/embedded)")
    parser.add_argument("--limit", type=int, help="only the first N declared series (a quick look)")
    args = parser.parse_args(argv)
    if not (args.repo / "data").is_dir():
        print(f"no Open SDG repository at {args.repo} (its data/ folder is missing)", file=sys.stderr)
        return 2
    server = server_url(args.database_url)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(server) as url:
        os.environ.update(SDG_WAREHOUSE_URL=url, SDG_OPENSDG_URL=str(args.repo), SDG_DATA_DIR=tmp)
        from etl import jobs
        from etl.warehouse.connection import get_engine

        stage("migrating the throwaway warehouse and syncing the catalogue")
        jobs.prepare_warehouse(url)
        keys = jobs.series_keys("opensdg")[: args.limit]
        stage(f"parse alone: {len(keys)} series")
        parse_s, frame = parse_alone(keys)
        engine = get_engine(url)
        stage(f"raw COPY and to_sql baselines: {len(frame):,} rows")
        copy_s = time_copy(engine, "bench_copy", frame, include_to_csv=False)
        to_sql_s = to_sql_seconds(engine, frame)
        stage("ingest, first run")
        total, stages, results = ingest_run(keys)
        rows = sum(r["rows"] for r in results)
        stage("ingest, second run (nothing changed)")
        again, _, unchanged = ingest_run(keys)
        failed = [r["series_key"] for r in results if r["status"] == "failed"]
        report = [
            ("parse alone (read + parse every file)", len(frame), parse_s),
            ("raw COPY of the parsed rows", len(frame), copy_s),
            ("DataFrame.to_sql of the parsed rows", len(frame), to_sql_s),
            (FIRST_RUN, rows, total),
            *[(f"   {name}", rows, seconds) for name, seconds in stages.items()],
            ("ingest, second run (unchanged)", len(unchanged), again),
        ]
    print(f"{len(keys)} series, {len(frame):,} parsed rows, {rows:,} loaded; failed: {failed or 'none'}")
    print(table(report, parse_s, copy_s, total))
    gate, fixed = stages.get("validate", 0.0), stages.get(GX_IMPORT, 0.0)
    print(
        f"targets: first run {total:.1f} s (<= 60), unchanged run {again:.1f} s (<= 5), gate "
        f"{100 * (gate + fixed) / total:.0f} % of the first run with GX's import, "
        f"{100 * gate / (total - fixed):.0f} % without it (< 20 %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
