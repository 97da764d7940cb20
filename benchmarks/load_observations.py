"""Benchmark: how fast does a Taldau response become observations, against the bulk-load baselines?

Why: ARCHITECTURE.md (Performance) requires bulk paths to go through COPY and the issue sets a target of
the pipeline (parse + normalise + vintage merge) within 3x of a raw ``COPY`` of the same rows. Absolute
times vary by machine, so every figure here is measured in the same process and run as its baselines:

a. pipeline: ``parse_index_data`` + ``load_observations`` (COPY into a stage + set-based merge), one transaction;
b. raw COPY of the same parsed rows into a plain unindexed table (CSV pre-serialised, and with ``to_csv``),
   and into a table shaped like ``sdg.observation`` (its key and checks): the reference of the target;
c. ``DataFrame.to_sql`` (default method) on a 100,000-row slice, extrapolated to all rows;
d. a second run of the same snapshot: the merge alone (nothing inserted or revised) and the snapshot-level
   short-circuit of the ingest (``snapshots.record`` says ``already_loaded``; no parse, no load).

The synthetic snapshot has the real ``GetIndexData`` shape: monthly series (period id 4, 1990-2025) over the
Republic and the 20 regions of ``catalogue/regions.csv``; about 110 series give ~1,000,000 observations.
It runs in a throwaway database that is dropped at the end. Run::

    .venv/bin/python benchmarks/load_observations.py [--rows 1000000] [--rounds 3] [--database-url URL]

Never a test: it is not under ``tests/`` and not named ``test_*``, and it asserts no wall-clock time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from tqdm import tqdm

from etl import config
from etl.catalogue.sync import sync_catalogue
from etl.ingest import snapshots
from etl.sources.http import Fetched
from etl.sources.observations import OBSERVATION_COLUMNS
from etl.sources.taldau.parse import SOURCE, parse_index_data
from etl.warehouse.admin import database_url, run_admin
from etl.warehouse.connection import dispose_all, get_engine
from etl.warehouse.migrate import migrate
from etl.warehouse.observations import load_observations

PERIOD_ID = 4  # monthly
DICS = (67,)
FIRST_YEAR, LAST_YEAR = 1990, 2025
UNIT = "тыс. тенге"
TO_SQL_SLICE = 100_000
TO_SQL_CHUNK = 10_000
MONTHS_RU = "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split()
PIPELINE = "a. pipeline (parse + load + commit)"
BASELINE_COLUMNS = ("series_id", *OBSERVATION_COLUMNS)
BASELINE_DDL = """
CREATE TABLE {name} (
    series_id bigint, kato_code char(9), period_start date, period_end date, frequency char(1), dims text,
    value numeric, value_text text, obs_status text, unit text
)
"""


@dataclass
class SeriesInput:
    """One synthetic series: its catalogue row, its snapshot bytes and (after step a) its parsed frame."""

    series_key: str
    series_id: int
    content: bytes
    url: str
    snapshot_id: int = 0
    frame: pd.DataFrame | None = None


@dataclass
class Measure:
    """One step's timings over the rounds; the median is what the table and ratios use."""

    step: str
    rows: int
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> str:
        return f"{min(self.samples):.2f}-{max(self.samples):.2f}" if len(self.samples) > 1 else ""


@dataclass
class Report:
    measures: list[Measure] = field(default_factory=list)

    def add(self, step: str, rows: int, seconds: float, note: str = "") -> None:
        """Record one timing of ``step``; a step seen before gets another sample (a further round)."""
        found = next((m for m in self.measures if m.step == step), None)
        if found is None:
            found = Measure(step, rows)
            self.measures.append(found)
        found.samples.append(seconds)
        found.note = note
        stage(f"  {step}: {rows:,} rows in {seconds:.2f} s {note}".rstrip())

    def seconds(self, step: str) -> float:
        return next(m.seconds for m in self.measures if m.step == step)


def stage(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- server and throwaway database -------------------------------------------------------------------


def server_url(explicit: str | None) -> str:
    """The server to create the throwaway database on: argument, env, else the embedded server."""
    url = explicit or os.environ.get("SDG_WAREHOUSE_URL") or os.environ.get("SDG_TEST_DATABASE_URL")
    if url:
        return url
    from etl.warehouse import embedded

    return embedded.start(config.data_dir() / "bench-pg")


@contextmanager
def throwaway_database(server: str) -> Iterator[str]:
    name = f"sdg_bench_{os.getpid()}"
    run_admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    run_admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield database_url(server, name)
    finally:
        dispose_all()
        run_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SHOW server_version")).scalar())


# --- synthetic snapshot ------------------------------------------------------------------------------


def region_terms(conn: Connection) -> dict[int, str]:
    """Taldau region term id -> KATO code from the catalogue's aliases (what the ingest hands the parser)."""
    rows = conn.execute(text("SELECT alias, kato_code FROM sdg.region_alias WHERE scheme = 'taldau_term'"))
    return {int(alias): kato for alias, kato in rows}


def region_names(conn: Connection) -> dict[int, str]:
    """Taldau term id -> Russian name, for ``termNames`` (the real answer carries them)."""
    rows = conn.execute(
        text(
            "SELECT a.alias, r.name_ru FROM sdg.region_alias a JOIN sdg.region r USING (kato_code) "
            "WHERE a.scheme = 'taldau_term'"
        )
    )
    return {int(alias): name for alias, name in rows}


def month_periods() -> list[tuple[str, str]]:
    """(name, date) of every month 1990-2025, ``date`` being the last day as Taldau sends it."""
    periods = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for month in range(1, 13):
            last = pd.Timestamp(year=year, month=month, day=1).days_in_month
            periods.append((f"{MONTHS_RU[month - 1]} {year}", f"{last:02d}.{month:02d}.{year}"))
    return periods


def synthetic_value(rng: random.Random) -> str:
    """Published forms: decimal commas, thousands spaces, ``x`` (suppressed) and ``-`` (missing)."""
    draw = rng.random()
    if draw < 0.04:
        return "x"
    if draw < 0.08:
        return "-"
    number = rng.uniform(0, 2_000_000) if draw < 0.3 else rng.uniform(0, 1000)
    return f"{number:,.1f}".replace(",", " ").replace(".", ",")


def synthetic_response(rng: random.Random, terms: dict[int, str], periods: list[tuple[str, str]]) -> bytes:
    rows = [
        {
            "terms": [term],
            "termNames": [name],
            "periods": [{"name": p_name, "date": p_date, "value": synthetic_value(rng)} for p_name, p_date in periods],
        }
        for term, name in terms.items()
    ]
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def create_series(conn: Connection, n_series: int) -> list[tuple[str, int]]:
    """Catalogue rows for the synthetic series (the merge is per series)."""
    keys = [f"bench.taldau.{i:04d}" for i in range(n_series)]
    params = json.dumps({"index_id": 0, "period_id": PERIOD_ID, "dics": list(DICS), "total_terms": []})
    conn.execute(
        text("INSERT INTO sdg.series (series_key, source, params, unit, frequency) VALUES (:k, :s, :p, :u, 'M')"),
        [{"k": k, "s": SOURCE, "p": params, "u": UNIT} for k in keys],
    )
    found = conn.execute(text("SELECT series_key, series_id FROM sdg.series WHERE series_key LIKE 'bench.%'"))
    ids = dict(found.all())
    return [(k, ids[k]) for k in keys]


def generate(conn: Connection, rows: int, workdir: Path) -> list[SeriesInput]:
    """Write one snapshot file per synthetic series under ``workdir`` and read the bytes back."""
    terms = region_names(conn)
    periods = month_periods()
    n_series = max(1, round(rows / (len(terms) * len(periods))))
    rng = random.Random(236)
    inputs = []
    for key, series_id in tqdm(create_series(conn, n_series), desc="generate snapshots", file=sys.stderr):
        path = workdir / f"{key}.json"
        path.write_bytes(synthetic_response(rng, terms, periods))
        url = f"https://taldau.example/api/GetIndexData/{series_id}?period={PERIOD_ID}&dics=67"
        inputs.append(SeriesInput(key, series_id, path.read_bytes(), url))
    return inputs


def fetched(item: SeriesInput, fetched_at: datetime) -> Fetched:
    return Fetched(item.url, {"p": str(PERIOD_ID)}, 200, item.content, "application/json", fetched_at)


# --- a. the pipeline ---------------------------------------------------------------------------------


def record_snapshots(engine: Engine, inputs: list[SeriesInput], root: Path, fetched_at: datetime) -> None:
    with engine.begin() as conn:
        for item in inputs:
            item.snapshot_id = snapshots.record(
                conn, fetched(item, fetched_at), SOURCE, item.series_key, root
            ).snapshot_id


def parse(item: SeriesInput, terms: dict[int, str]) -> pd.DataFrame:
    result = parse_index_data(
        item.content, url=item.url, period_id=PERIOD_ID, dics=DICS, total_terms=(), region_terms=terms, unit=UNIT
    )
    return result.frame


def mark_loaded(conn: Connection, item: SeriesInput, rows: int) -> None:
    conn.execute(
        text("UPDATE sdg.snapshot SET loaded_at = now(), rows_parsed = :n, load_error = NULL WHERE snapshot_id = :s"),
        {"n": rows, "s": item.snapshot_id},
    )


def reset_observations(engine: Engine) -> None:
    """Back to an empty ``sdg.observation`` with the snapshots recorded but not loaded, for the next round."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE sdg.observation"))
        conn.execute(text("UPDATE sdg.snapshot SET loaded_at = NULL, rows_parsed = NULL"))
    settle(engine)


def settle(engine: Engine) -> None:
    """Flush dirty pages before a timed step, so no step pays for the previous one's checkpoint."""
    try:
        with engine.begin() as conn:
            conn.execute(text("CHECKPOINT"))
    except DBAPIError:  # CHECKPOINT needs superuser or pg_checkpoint; timings are then a little noisier
        stage("  (no CHECKPOINT privilege: steps may pay for each other's writes)")


def run_pipeline(engine: Engine, inputs: list[SeriesInput], fetched_at: datetime, report: Report) -> None:
    """Parse + normalise + load every series in one transaction, as the ingest does per series."""
    parse_s = load_s = 0.0
    inserted = 0
    with engine.begin() as conn:
        terms = region_terms(conn)
        for item in tqdm(inputs, desc="a. pipeline", file=sys.stderr):
            t0 = time.perf_counter()
            item.frame = parse(item, terms)
            t1 = time.perf_counter()
            loaded = load_observations(
                conn, item.frame, series_id=item.series_id, snapshot_id=item.snapshot_id, valid_from=fetched_at
            )
            mark_loaded(conn, item, loaded.rows)
            load_s += time.perf_counter() - t1
            parse_s += t1 - t0
            inserted += loaded.inserted
        t2 = time.perf_counter()
    commit_s = time.perf_counter() - t2
    rows = sum(len(item.frame) for item in inputs if item.frame is not None)
    report.add(PIPELINE, rows, parse_s + load_s + commit_s, f"inserted={inserted:,}")
    report.add("   of which parse_index_data", rows, parse_s)
    report.add("   of which load_observations", rows, load_s + commit_s)


# --- b, c. baselines ---------------------------------------------------------------------------------


def combined_frame(inputs: list[SeriesInput]) -> pd.DataFrame:
    frames = [item.frame.assign(series_id=item.series_id) for item in inputs if item.frame is not None]
    return pd.concat(frames, ignore_index=True).loc[:, list(BASELINE_COLUMNS)]


def to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    return buffer.getvalue()


def copy_csv(engine: Engine, table: str, csv_text: str) -> None:
    with engine.begin() as conn, conn.connection.cursor() as cur:
        cur.copy_expert(
            f"COPY {table} ({', '.join(BASELINE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            io.StringIO(csv_text),
        )


@contextmanager
def plain_table(engine: Engine, name: str) -> Iterator[str]:
    with engine.begin() as conn:
        conn.execute(text(BASELINE_DDL.format(name=name)))
    try:
        yield name
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))


def timed(action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def time_copy(engine: Engine, table: str, frame: pd.DataFrame, *, include_to_csv: bool) -> float:
    """Seconds to COPY ``frame`` into a fresh plain ``table``; the CSV is built before timing unless asked."""
    csv_text = None if include_to_csv else to_csv(frame)
    with plain_table(engine, table):
        settle(engine)
        t0 = time.perf_counter()
        copy_csv(engine, table, csv_text if csv_text is not None else to_csv(frame))
        return time.perf_counter() - t0


def run_copy_baselines(engine: Engine, frame: pd.DataFrame, report: Report) -> None:
    stage("b. raw COPY baselines")
    report.add(
        "b. raw COPY (CSV pre-serialised)", len(frame), time_copy(engine, "bench_copy", frame, include_to_csv=False)
    )
    report.add("b. to_csv + raw COPY", len(frame), time_copy(engine, "bench_copy_csv", frame, include_to_csv=True))
    report.add("b. raw COPY into observation-shaped table", len(frame), time_copy_indexed(engine, frame))


def time_copy_indexed(engine: Engine, frame: pd.DataFrame) -> float:
    """COPY (CSV pre-serialised) into a copy of sdg.observation with its indexes: what the table itself costs."""
    extra = {"snapshot_id": 1, "valid_from": "2026-01-01T00:00:00+00:00"}
    columns = (*BASELINE_COLUMNS, *extra)
    buffer = io.StringIO()
    frame.assign(**extra).loc[:, list(columns)].to_csv(buffer, index=False, header=False, na_rep="\\N")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_copy_idx (LIKE sdg.observation INCLUDING ALL)"))
    try:
        settle(engine)
        t0 = time.perf_counter()
        with engine.begin() as conn, conn.connection.cursor() as cur:
            buffer.seek(0)
            cur.copy_expert(
                f"COPY bench_copy_idx ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
        return time.perf_counter() - t0
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_copy_idx"))


def run_to_sql_baseline(engine: Engine, frame: pd.DataFrame, report: Report) -> None:
    rows = min(TO_SQL_SLICE, len(frame))
    stage(f"c. DataFrame.to_sql on a {rows:,}-row slice (extrapolated to {len(frame):,} rows)")
    part = frame.iloc[:rows]
    with plain_table(engine, "bench_to_sql"):
        seconds = timed(
            lambda: part.to_sql("bench_to_sql", engine, if_exists="append", index=False, chunksize=TO_SQL_CHUNK)
        )
    report.add(f"c. to_sql measured ({rows:,}-row slice)", rows, seconds)
    report.add("c. to_sql EXTRAPOLATED to all rows", len(frame), seconds * len(frame) / rows, "(estimate)")


# --- d. second run -----------------------------------------------------------------------------------


def run_second_load(engine: Engine, inputs: list[SeriesInput], fetched_at: datetime, report: Report) -> None:
    inserted = revised = rows = 0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for item in tqdm(inputs, desc="d(i). load again", file=sys.stderr):
            assert item.frame is not None
            loaded = load_observations(
                conn, item.frame, series_id=item.series_id, snapshot_id=item.snapshot_id, valid_from=fetched_at
            )
            inserted, revised, rows = inserted + loaded.inserted, revised + loaded.revised, rows + loaded.rows
    seconds = time.perf_counter() - t0
    report.add("d(i). same frames again via load_observations", rows, seconds, f"inserted={inserted} revised={revised}")


def run_short_circuit(engine: Engine, inputs: list[SeriesInput], root: Path, report: Report) -> None:
    stage("d(ii). same bytes through snapshots.record")
    t0 = time.perf_counter()
    with engine.begin() as conn:
        flags = [
            snapshots.record(conn, fetched(item, datetime.now(UTC)), SOURCE, item.series_key, root).already_loaded
            for item in inputs
        ]
    seconds = time.perf_counter() - t0
    rows = sum(len(item.frame) for item in inputs if item.frame is not None)
    note = f"already_loaded={all(flags)} for {len(flags)} snapshots; no parse, no load"
    report.add("d(ii). snapshot short-circuit (record only)", rows, seconds, note)


def count_observations(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM sdg.observation")).scalar_one())


# --- output ------------------------------------------------------------------------------------------


def table(report: Report) -> str:
    copy_s = report.seconds("b. raw COPY (CSV pre-serialised)")
    csv_copy_s = report.seconds("b. to_csv + raw COPY")
    to_sql_s = report.seconds("c. to_sql EXTRAPOLATED to all rows")
    header = f"| {'step':<48} | {'rows':>9} | {'seconds':>8} | {'min-max':>11} | {'rows/s':>10} | {'x COPY':>7} "
    header += f"| {'x csv+COPY':>10} "
    header += f"| {'to_sql / step':>13} |"
    lines = [header, "|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|"]
    for m in report.measures:
        rate = m.rows / m.seconds if m.seconds else float("inf")
        lines.append(
            f"| {m.step:<48} | {m.rows:>9,} | {m.seconds:>8.2f} | {m.spread:>11} | {rate:>10,.0f} "
            f"| {m.seconds / copy_s:>7.2f} "
            f"| {m.seconds / csv_copy_s:>10.2f} | {to_sql_s / m.seconds:>13.1f} |"
        )
    return "\n".join(lines)


def verdict(report: Report) -> str:
    """Ratios of the medians, and the same ratio round by round; the first line is the target's (decision 20)."""
    pipeline = next(m for m in report.measures if m.step == PIPELINE)
    lines = []
    for label, step, target in (
        ("raw COPY into an observation-shaped table", "b. raw COPY into observation-shaped table", True),
        ("raw COPY into a plain table", "b. raw COPY (CSV pre-serialised)", False),
        ("to_csv + raw COPY", "b. to_csv + raw COPY", False),
    ):
        baseline = next(m for m in report.measures if m.step == step)
        ratio = pipeline.seconds / baseline.seconds
        rounds = ", ".join(f"{a / b:.2f}" for a, b in zip(pipeline.samples, baseline.samples, strict=False))
        line = f"pipeline / {label:<41} = {ratio:.2f}x (rounds: {rounds})"
        if target:
            line += f"  target <= 3x: {'met' if ratio <= 3 else 'NOT met'}"
        lines.append(line)
    return "\n".join(lines)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="approximate observations (default 1,000,000)")
    parser.add_argument("--database-url", help="server to create the throwaway database on (default: env/embedded)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of pipeline + COPY baselines; medians (default 3)"
    )
    parser.add_argument("--chart", type=Path, help="also write the figures as an SVG bar chart to this file")
    return parser.parse_args(argv)


def prepare(url: str) -> Engine:
    stage("migrating and syncing the catalogue")
    migrate(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        sync_catalogue(conn)
    return engine


def benchmark(engine: Engine, rows: int, workdir: Path, rounds: int) -> Report:
    report = Report()
    with engine.begin() as conn:
        inputs = generate(conn, rows, workdir)
    size_mb = sum(len(item.content) for item in inputs) / 1e6
    stage(f"{len(inputs)} series snapshots, {size_mb:.0f} MB of JSON in {workdir}")
    fetched_at = datetime.now(UTC)
    record_snapshots(engine, inputs, workdir / "snapshots", fetched_at)
    frame = None
    for number in range(1, rounds + 1):  # interleaved, so a noisy minute hits every step alike
        stage(f"round {number} of {rounds}")
        reset_observations(engine)
        run_pipeline(engine, inputs, fetched_at, report)
        frame = combined_frame(inputs) if frame is None else frame
        run_copy_baselines(engine, frame, report)
    assert frame is not None
    run_to_sql_baseline(engine, frame, report)
    del frame
    run_second_load(engine, inputs, fetched_at, report)
    run_short_circuit(engine, inputs, workdir / "snapshots", report)
    stage(f"sdg.observation holds {count_observations(engine):,} rows after both runs")
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = server_url(args.database_url)
    with throwaway_database(server) as url, tempfile.TemporaryDirectory(prefix="sdg-bench-") as tmp:
        engine = prepare(url)
        version = server_version(engine)
        report = benchmark(engine, args.rows, Path(tmp), max(1, args.rounds))
    print(f"\nload_observations benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, PostgreSQL {version}")
    print(table(report))
    print(verdict(report))
    print("x COPY / x csv+COPY: step seconds over the baseline's (lower is better); to_sql / step: times faster.")
    print(f"to_sql row is extrapolated from a {TO_SQL_SLICE:,}-row slice. Peak RSS {peak_rss_mb():,.0f} MB.")
    if args.chart:
        write_chart(report, args.chart, version)
    return 0


def write_chart(report: Report, path: Path, version: str) -> None:
    from chart import bar_chart_svg

    steps = [(m.step.replace("of which ", "  "), m.seconds) for m in report.measures if "to_sql measured" not in m.step]
    title = (
        f"Loading observations, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, PostgreSQL {version.split()[0]}"
    )
    path.write_text(bar_chart_svg(steps, title, report.seconds("b. raw COPY (CSV pre-serialised)")), encoding="utf-8")
    stage(f"chart written to {path}")


if __name__ == "__main__":
    raise SystemExit(main())
