"""``sdg``: the pipeline's command line, the same code the DAGs run, usable without Airflow."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from datetime import date

from etl import config, jobs
from etl.catalogue import cli as cli_catalogue
from etl.exports import cli as cli_exports

#: exit code of ``sdg ingest`` when every series loaded but rows were held back in quarantine
EXIT_HELD = 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    from etl.runtime import termination

    termination.raise_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except _expected_errors() as exc:  # a person can act on these: say what and where, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (termination.Terminated, KeyboardInterrupt) as exc:  # open transactions rolled back on the way out
        signal_name = "SIGTERM" if isinstance(exc, termination.Terminated) else "SIGINT"
        print(
            f"stopped by {signal_name}: the transaction in progress was rolled back; what was committed is kept",
            file=sys.stderr,
        )
        return termination.EXIT_CODE if signal_name == "SIGTERM" else 130


def _expected_errors() -> tuple[type[BaseException], ...]:
    from etl.catalogue.files import CatalogueError
    from etl.delivery.send import DeliveryFailed
    from etl.quality.outcome import QualityFailure
    from etl.reports.amendments import NothingToAmend
    from etl.reports.issuing import EmptyReport
    from etl.reports.national_extract import IncompleteExtract
    from etl.sources.errors import SourceError
    from etl.warehouse.migrate import MigrationError

    return (
        *(CatalogueError, MigrationError, QualityFailure, SourceError, LookupError, FileExistsError),
        *(EmptyReport, NothingToAmend, IncompleteExtract, DeliveryFailed, jobs.DeadlineMissed),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdg", description="Regional SDG monitoring pipeline (order No. 236).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(title="commands")

    db = sub.add_parser("db", help="the warehouse: embedded server, migrations").add_subparsers(title="db commands")
    db.add_parser("start", help="start the embedded PostgreSQL (no-op with SDG_WAREHOUSE_URL)").set_defaults(
        func=_db_start
    )
    db.add_parser("stop", help="stop the embedded PostgreSQL").set_defaults(func=_db_stop)
    db.add_parser("url", help="print the warehouse URL in use").set_defaults(func=_db_url)
    db.add_parser("migrate", help="apply pending migrations and sync the catalogue").set_defaults(func=_db_migrate)

    ingest = sub.add_parser(
        "ingest",
        help="fetch and load declared series (same code as the nightly DAGs)",
        description="Exit code: 0 all loaded; 1 some series failed (each named); 2 no series matched; "
        f"{EXIT_HELD} all ingested but rows held back in quarantine (sdg quality quarantine lists them).",
    )
    ingest.add_argument("--source", nargs="*", help="sources (default: every source with declared series)")
    ingest.add_argument("--series", nargs="*", help="series keys (default: all declared for the sources)")
    ingest.set_defaults(func=_ingest)

    compute = sub.add_parser("compute", help="compute indicator values (facts)")
    compute.add_argument("--year", type=int, help="one year (default: all years)")
    compute.set_defaults(func=_compute)

    report = sub.add_parser("report", help="Appendix 2 forms and the national extract").add_subparsers(
        title="report commands"
    )
    issue = report.add_parser("issue", help="issue the Appendix 2 forms of a reporting year")
    issue.add_argument("--year", type=int, default=jobs.default_reporting_year())
    issue.add_argument("--region", nargs="*", help="KATO codes (default: every region of that year)")
    issue.add_argument(
        "--status",
        default="draft",
        choices=["draft", "final", "amended"],
        help="before a final: draft or final; once a form is final, a changed one is always issued as amended",
    )
    issue.add_argument(
        "--allow-empty", action="store_true", help="also issue forms without a single Fact (never delivered)"
    )
    issue.set_defaults(func=_report_issue)
    listing = report.add_parser("list", help="list the newest issued form of each region")
    listing.add_argument("--year", type=int, default=jobs.default_reporting_year())
    listing.set_defaults(func=_report_list)
    lists = report.add_parser("appendix1", help="issue each region's Appendix 1 list of indicators")
    lists.add_argument("--year", type=int, default=jobs.default_reporting_year())
    lists.set_defaults(func=_report_appendix1)
    extract = report.add_parser("extract", help="issue the national extract (all regions' forms) of a year")
    extract.add_argument("--year", type=int, default=jobs.default_reporting_year())
    extract.add_argument("--status", default="draft", choices=["draft", "final", "amended"])
    extract.add_argument("--allow-empty", action="store_true", help="issue it even without a single Fact")
    extract.set_defaults(func=_report_extract)
    deadlines = report.add_parser("deadlines", help="how ready each report is for its deadline (15 Jan, 1 Feb)")
    deadlines.add_argument("--year", type=int, help="reporting year (default: the one being reported)")
    deadlines.add_argument("--today", type=date.fromisoformat, help="check as of this date (YYYY-MM-DD)")
    deadlines.set_defaults(func=_report_deadlines)

    deliver = sub.add_parser("deliver", help="send the newest issued reports to their catalogue recipients")
    deliver.add_argument("--year", type=int, default=jobs.default_reporting_year())
    deliver.add_argument("--kind", nargs="*", choices=["appendix2", "national_extract"], help="default: both")
    deliver.set_defaults(func=_deliver)

    quality = sub.add_parser("quality", help="quarantined batches and Data Docs").add_subparsers(title="quality")
    quality.add_parser("quarantine", help="list batches held back by critical failures").set_defaults(
        func=_quality_quarantine
    )
    release = quality.add_parser("release", help="release a quarantined batch and load it")
    release.add_argument("quarantine_id", type=int)
    release.add_argument("--by", required=True, help="who takes the decision (kept with the release)")
    release.add_argument("--note", required=True, help="why the batch may be loaded")
    release.set_defaults(func=_quality_release)
    quality.add_parser("docs", help="build the Great Expectations Data Docs and print where").set_defaults(
        func=_quality_docs
    )

    cli_catalogue.add_commands(sub)
    cli_exports.add_commands(sub, jobs.default_reporting_year())

    replay = sub.add_parser("replay", help="serve the bundled sample responses like the source APIs")
    replay.add_argument("--port", type=int, default=8795)
    replay.add_argument("--samples", default=str(config.SAMPLES_DIR), help="folder with one subfolder per source")
    replay.set_defaults(func=_replay)
    return parser


def _db_start(args: argparse.Namespace) -> int:
    from etl.warehouse.connection import warehouse_url

    url = warehouse_url()
    where = "configured server" if config.configured_warehouse_url() else "embedded PostgreSQL"
    print(f"warehouse ready ({where}): {_redact(url)}")
    return 0


def _db_stop(args: argparse.Namespace) -> int:
    from etl.warehouse import embedded

    print("embedded PostgreSQL stopped" if embedded.stop() else "embedded PostgreSQL was not running")
    return 0


def _db_url(args: argparse.Namespace) -> int:
    from etl.warehouse.connection import warehouse_url

    print(warehouse_url())
    return 0


def _db_migrate(args: argparse.Namespace) -> int:
    result = jobs.prepare_warehouse()
    applied = result.pop("migrations_applied")
    print(f"migrations applied: {', '.join(applied) or 'none (up to date)'}")
    print("catalogue: " + ", ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from etl.catalogue.edition import reading_edition
    from etl.catalogue.model import load_series
    from etl.warehouse.connection import get_engine

    with reading_edition(get_engine()):  # the series the jobs will see: the last sync's (sdg db migrate)
        declared = [s for s in load_series() if not args.source or s.source in args.source]
    todo = [s.series_key for s in declared if not args.series or s.series_key in args.series]
    if not todo:
        print("no declared series match", file=sys.stderr)
        return 2
    with tqdm(total=len(todo), desc="ingest", unit="series") as bar:

        def done(r: dict) -> None:
            bar.update(1)
            bar.set_postfix_str(r["series_key"])
            bar.write(_ingest_line(r))

        results = jobs.ingest_batch(todo, done=done)
    return _ingest_summary(results)


def _ingest_line(r: dict) -> str:
    if r["status"] == "failed":
        return f"{r['series_key']}: FAILED: {r['error']}"
    held = f", {r['held_rows']} held in quarantine {r['quarantines']}" if r["held_rows"] else ""
    if r["status"] == "quarantined":
        held = f", whole batch held in quarantine {r['quarantines']}"
    if r["parse_warnings"]:
        held += f"; parse warnings {r['parse_warnings']} (stored on the snapshot)"
    return f"{r['series_key']}: {r['status']} ({r['rows']} rows, {r['inserted']} new, {r['revised']} revised{held})"


def _ingest_summary(results: list[dict]) -> int:
    """The closing lines: counts by status, one line per failed series; the exit code says the worst."""
    failed = [r for r in results if r["status"] == "failed"]
    held = [r for r in results if r["status"] in ("partial", "quarantined")]
    ingested = len(results) - len(failed)
    print(
        f"{ingested} of {len(results)} series ingested"
        + (f"; failed: {[r['series_key'] for r in failed]}" if failed else "")
    )
    counts = Counter(r["status"] for r in results)
    print("; ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
    for r in failed:
        print(f"  FAILED {r['series_key']}: {r['error']}")
    for r in held:
        rows = "the whole batch" if r["status"] == "quarantined" else f"{r['held_rows']} rows"
        print(f"  HELD {r['series_key']}: {rows} in quarantine {r['quarantines']} (sdg quality quarantine)")
    if failed:
        return 1
    return EXIT_HELD if held else 0


def _compute(args: argparse.Namespace) -> int:
    print(f"{jobs.compute_facts(args.year)} indicator values computed")
    return 0


def _report_list(args: argparse.Namespace) -> int:
    from etl.reports.appendix2 import latest_issued
    from etl.reports.issuing import latest_report
    from etl.reports.staleness import is_current
    from etl.warehouse.connection import get_engine

    with get_engine().connect() as conn:
        rows = latest_issued(conn, args.year)
        extract = latest_report(conn, "national_extract", None, args.year)
        for r in rows:
            r["current"] = is_current(conn, "appendix2", r["kato_code"], args.year, r["status"], r["content_sha256"])
        extract_current = extract is None or is_current(
            conn, "national_extract", None, args.year, extract.status, extract.content_sha256
        )
    if not rows:
        print(f"no Appendix 2 forms issued for {args.year} yet (sdg report issue --year {args.year})")
        return 1
    width = max(len(r["name_ru"]) for r in rows)
    print(f"{'region':<{width}}  ver  status   facts   matches warehouse  file")
    for r in rows:
        facts = f"{r['facts']:>2}/{r['indicators']:<3}"
        print(f"{r['name_ru']:<{width}}  v{r['version']:<3} {r['status']:<8} {facts}  {_currency(r):<17}  {r['path']}")
    total = sum(r["facts"] for r in rows)
    cells = sum(r["indicators"] for r in rows)
    print(f"{len(rows)} forms; Fact filled in {total} of {cells} indicator rows ({100 * total / max(cells, 1):.0f}%)")
    stale = [r for r in rows if not r["current"] and r["status"] != "draft"]
    if stale:
        print(
            f"STALE: {len(stale)} final forms no longer match the warehouse; "
            f"sdg report issue --year {args.year} issues their amended versions"
        )
    if extract is not None:
        flag = "" if extract_current else "  STALE: no longer matches the warehouse (sdg report extract)"
        print(f"national extract: v{extract.version} {extract.status}  {extract.path}{flag}")
    else:
        print(f"national extract: not issued yet (sdg report extract --year {args.year})")
    return 0


def _currency(row: dict) -> str:
    """yes; STALE for a final (or amended) form the warehouse has moved past; outdated for such a draft."""
    if row["current"]:
        return "yes"
    return "outdated (draft)" if row["status"] == "draft" else "STALE"


def _report_issue(args: argparse.Namespace) -> int:
    """Exit 1 (an EmptyReport error) when no form has a single Fact and --allow-empty was not given."""
    r = jobs.issue_forms(args.year, args.status, regions=args.region, allow_empty=args.allow_empty)
    amended = f", {r['amended']} amended" if r["amended"] else ""
    print(f"{r['forms']} forms for {r['year']} ({r['new_versions']} new versions{amended}) in {r['folder']}")
    print(f"Fact filled in {r['facts']} of {r['indicator_rows']} indicator rows")
    if r["empty"]:
        left = "issued anyway (--allow-empty), never delivered" if args.allow_empty else "not issued"
        print(f"{len(r['empty'])} forms without a single Fact, {left}: {', '.join(r['empty'])}")
    return 0 if r["facts"] else 1


def _report_appendix1(args: argparse.Namespace) -> int:
    r = jobs.issue_appendix1(args.year)
    print(f"{r['lists']} Appendix 1 lists for {r['year']} ({r['new_versions']} new versions) in {r['folder']}")
    return 0


def _report_extract(args: argparse.Namespace) -> int:
    r = jobs.issue_national_extract(args.year, args.status, allow_empty=args.allow_empty)
    state = "new version" if r["new"] else "unchanged, same version"
    print(f"national extract {r['year']} v{r['version']} ({state}) {r['status']}: {r['path']}")
    print(f"Fact filled in {r['facts']} indicator rows")
    print(f"{r['regions_ready']} of {r['regions']} regions with a current, non-draft form")
    overview = r["overview"]
    for path in overview["written"] or overview["present"]:
        print(f"overview: {path}")
    for why in overview["skipped"]:
        print(f"overview: {why}")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    r = jobs.deliver(args.year, tuple(args.kind) if args.kind else None)
    print(f"{r['sent']} sent, {r['already_sent']} sent before (not again)", end="")
    if r["not_configured"]:
        print(f", {r['not_configured']} e-mails not sent: no SMTP server configured (SDG_SMTP_HOST)", end="")
    print()
    for why in r["withheld"]:
        print(f"withheld: {why}")
    return 0


def _report_deadlines(args: argparse.Namespace) -> int:
    r = jobs.check_deadlines(args.year, args.today, raise_overdue=False)
    for d in r["deadlines"]:
        ready = d["reports"] - d["not_ready"]
        print(f"{d['kind']:<17} due {d['due']}  {d['days_left']:>4} days left  {ready}/{d['reports']} ready")
        for gap in d["gaps"]:
            print(f"    {gap}")
    if r["alert"]:
        print(f"alert e-mail: {'sent' if r['alert']['sent'] else 'not sent'} ({r['alert']['detail']})")
    if r["overdue"]:
        print(f"OVERDUE: {', '.join(r['overdue'])}")
    return 1 if r["overdue"] else 0


def _quality_quarantine(args: argparse.Namespace) -> int:
    rows = jobs.quarantined()
    for r in rows:
        when = f"{r['created_at']:%Y-%m-%d %H:%M}"
        held = (
            f"{r['held_count']} of {r['row_count']} rows held (the rest loaded)"
            if r["scope"] == "rows"
            else f"whole batch held ({r['row_count']} rows)"
        )
        print(f"{r['quarantine_id']:>5}  {when}  {r['series_key']}  snapshot {r['snapshot_id']}  {held}")
        print(f"       {r['reasons']}")
    rows_held = sum(r["held_count"] for r in rows)
    print(
        f"{len(rows)} quarantine(s) waiting, {rows_held} rows held"
        + ("; release one with: sdg quality release ID --by --note" if rows else "")
    )
    return 0


def _quality_release(args: argparse.Namespace) -> int:
    """Exit 0 only when the released rows are in the warehouse; else 1, saying the release stands (no rollback)."""
    from etl.jobs import ReleaseNotLoaded, release

    try:
        result = release(args.quarantine_id, args.by, args.note)
    except ReleaseNotLoaded as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{result['series_key']}: quarantine {result['quarantine_id']} released and loaded: {result['status']} "
        f"({result['rows']} rows, {result['inserted']} new)"
    )
    return 0


def _quality_docs(args: argparse.Namespace) -> int:
    from etl.quality.runner import build_data_docs

    print(f"Data Docs: {build_data_docs()}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from pathlib import Path

    from etl.sources.replay import ReplayServer, resolver

    server = ReplayServer(Path(args.samples), args.port).start()
    for folder in sorted(p for p in Path(args.samples).iterdir() if p.is_dir() and resolver(p.name)):
        print(f"{folder.name}: {server.url_for(folder.name)}", flush=True)
    print("(Ctrl+C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


def _redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
