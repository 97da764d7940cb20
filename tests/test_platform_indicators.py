"""Issue 8, points 1 and 2, on the national platform's real data (``../shared/data/kazstat-sdg-data``).

1. The catalogue import finds every indicator of the repository's ``data/`` with its ru/kk/en names, maps
   every indicator that has regional values, and its output is exactly what the project ships.
2. Ingested, the platform's data fills every form cell it has a value for: for every year and every region
   that existed in it, each (indicator, region) of the typical list whose mapped cut the platform publishes
   carries that value in the issued XLSX, and no other Fact is filled. The expected cells are counted here
   from the CSVs with plain ``csv`` and ``Decimal``, independently of the parser.

Rows the quality gate holds back (South Kazakhstan values after 2018, shares above 100 %; the rest of their
series loads) are released the way a person would (``sdg quality release``), if any are held.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from etl import config
from etl.catalogue.model import load_series
from etl.catalogue.opensdg_import import import_opensdg
from etl.indicators.compute import compute_indicator_values
from etl.ingest.run import ingest_series
from etl.quality.gate import release_quarantine
from etl.reports.appendix2 import issue_appendix2
from etl.sources.opensdg.source import OpenSdgSource
from etl.warehouse.admin import database_url, run_admin
from etl.warehouse.connection import dispose_all, get_engine

REPO = Path(__file__).resolve().parents[2] / "shared" / "data" / "kazstat-sdg-data"
pytestmark = pytest.mark.skipif(not (REPO / "data").is_dir(), reason=f"real Open SDG data not present at {REPO}")
NOT_DIMS = {"Year", "Value", "REF_AREA", "GeoCode", ""}


def _catalogue(name: str) -> list[dict[str, str]]:
    with (config.catalogue_dir() / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    return [h.strip() for h in rows[0]], rows[1:]


# ---------------------------------------------------------------------------------------------- point 1


@pytest.mark.slow
def test_import_names_every_indicator_with_data_and_ships_its_output(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(config.catalogue_dir(), folder)
    (folder / "indicators.csv").unlink()  # the import writes it anew
    summary = import_opensdg(str(REPO), folder)

    generated = {r["opensdg_id"]: r for r in csv.DictReader((folder / "indicators.csv").open(encoding="utf-8"))}
    with_data = sorted(p.name[len("indicator_") : -len(".csv")] for p in (REPO / "data").glob("indicator_*.csv"))
    assert len(with_data) == 273 and len(generated) == len(list((REPO / "indicator-config").glob("*.yml")))
    for indicator_id in with_data:
        row = generated[indicator_id]
        assert all(row[f"name_{lang}"] for lang in ("ru", "kk", "en")), indicator_id
        assert row["code"] not in summary.untranslated, indicator_id
        assert row["code"].replace(".", "-") == indicator_id
    assert generated["3-2-1"]["name_kk"] == "Бес жасқа дейінгі балалар өлім-жетімінің коэффициенті"
    assert (generated["3-2-1"]["unit_ru"], generated["3-2-1"]["unit_kk"]) == ("на 1000 родившихся", "1000 туылғанға")

    # every indicator with a regional value (counted here with plain csv) is mapped, none is left out
    known = {r["opensdg_code"] for r in _catalogue("regions.csv") if r["opensdg_code"]}
    regional = {generated[i]["code"] for i in with_data if _has_regional_value(REPO / f"data/indicator_{i}.csv", known)}
    assert summary.unmapped == {} and set(summary.mapped) == regional and len(regional) == 72

    # the shipped catalogue is this import's output: a fresh clone has the whole list
    for name in ("indicators.csv", "series/opensdg.csv"):
        assert (folder / name).read_text(encoding="utf-8") == (config.catalogue_dir() / name).read_text(
            encoding="utf-8"
        ), f"catalogue/{name} differs from `sdg catalogue import-opensdg` output: re-run it"


def _has_regional_value(path: Path, known: set[str]) -> bool:
    header, rows = _csv_rows(path)
    if "REF_AREA" not in header:
        return False
    area, value = header.index("REF_AREA"), header.index("Value")
    return any(len(r) >= len(header) and r[area].strip() in known and _number(r[value]) is not None for r in rows)


# ---------------------------------------------------------------------------------------------- point 2


def _number(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        return None


def _expected_cells() -> dict[tuple[str, str, int], Decimal]:
    """(indicator, KATO, year) → the value the platform publishes for the mapped cut, for regions in their years."""
    regions = {
        r["opensdg_code"]: (r["kato_code"], r["valid_from"], r["valid_to"])
        for r in _catalogue("regions.csv")
        if r["opensdg_code"]
    }
    found: dict[tuple[str, str, int], set[Decimal]] = defaultdict(set)
    for series in _catalogue("series/opensdg.csv"):
        if not series["indicator_code"]:
            continue
        declared = set(filter(None, series["dims"].split("|")))
        header, rows = _csv_rows(REPO / f"data/indicator_{series['indicator_id']}.csv")
        for row in rows:
            if len(row) < len(header):
                continue
            cells = {h: c.strip() for h, c in zip(header, row, strict=False)}
            region = regions.get(cells.get("REF_AREA", ""))
            value = _number(cells["Value"])
            if region is None or value is None:
                continue
            dims = {
                f"{'UNIT_MEASURE' if h == 'Units' else h}={v}"
                for h, v in cells.items()
                if h not in NOT_DIMS and v not in ("", "_T")
            }
            year = int(cells["Year"])
            kato, valid_from, valid_to = region
            existed = (not valid_from or date.fromisoformat(valid_from) <= date(year, 12, 31)) and (
                not valid_to or date.fromisoformat(valid_to) >= date(year, 1, 1)
            )
            if dims == declared and existed:
                found[(series["indicator_code"], kato, year)].add(value)
    return {cell: values.pop() for cell, values in found.items() if len(values) == 1}


@pytest.fixture(scope="module")
def platform_engine(pg_server_url, template_db):
    """A warehouse holding the platform's mapped series, facts computed for every year (one ingest per module)."""
    name = f"sdg_platform_{os.getpid()}"
    run_admin(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    engine = get_engine(database_url(pg_server_url, name))
    source = OpenSdgSource(base_url=str(REPO))
    mapped = [s for s in load_series() if s.source == "opensdg" and s.indicator_code]
    started = time.monotonic()
    for series in mapped:
        ingest_series(engine, series, source)
    with engine.connect() as conn:
        held = conn.execute(
            text("SELECT quarantine_id, series_key FROM sdg.quarantine WHERE status = 'quarantined' ORDER BY 1")
        ).all()
    for quarantine_id, key in held:  # nothing held: nothing to release
        release_quarantine(engine, quarantine_id, "test", "checked with the statistics office")
        ingest_series(engine, next(s for s in mapped if s.series_key == key), source)
    with engine.begin() as conn:
        compute_indicator_values(conn)
    print(f"\n{len(mapped)} platform series ingested ({len(held)} released) in {time.monotonic() - started:.0f}s")
    yield engine
    dispose_all()
    run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_platform_value_fills_its_form_cell(platform_engine, tmp_path):
    expected = _expected_cells()
    years = sorted({year for _, _, year in expected})
    assert len(expected) > 8000 and years[0] <= 2015 <= years[-1]
    lists = {}
    with platform_engine.connect() as conn:
        for kato, row_no, code in conn.execute(
            text("SELECT kato_code, row_no, indicator_code FROM sdg.monitored_item")
        ):
            lists.setdefault(kato, {})[row_no] = code

    started, filled, forms = time.monotonic(), {}, 0
    for year in years:
        for issued in issue_appendix2(platform_engine, year, out_dir=tmp_path):
            forms += 1
            filled.update(_facts_in_file(issued.path, issued.kato_code, year, lists[issued.kato_code]))
    elapsed = time.monotonic() - started

    missing = sorted(set(expected) - set(filled))
    extra = sorted(set(filled) - set(expected))
    assert not missing, f"{len(missing)} cells the platform publishes are empty, e.g. {missing[:5]}"
    assert not extra, f"{len(extra)} facts the platform does not publish, e.g. {extra[:5]}"
    # an XLSX number is a double that Excel shows to 15 significant digits: the platform's longest values
    # (3.2.2's 12.109920819748487, float noise of its own export) are equal to that precision
    wrong = [(c, filled[c], expected[c]) for c in expected if abs(filled[c] - expected[c]) > abs(expected[c]) / 10**15]
    assert not wrong, f"{len(wrong)} facts differ from the published values, e.g. {wrong[:5]}"
    per_year = {y: sum(1 for _, _, yy in expected if yy == y) for y in years}
    print(f"\n{forms} forms for {years[0]}-{years[-1]} in {elapsed:.0f}s; Fact cells filled per year: {per_year}")


def _facts_in_file(path: Path, kato: str, year: int, rows: dict[str, str]) -> dict[tuple[str, str, int], Decimal]:
    """Fact cells of the Russian sheet's «Индикаторы» block, read cell by cell, and the Kazakh sheet's equal."""
    book = openpyxl.load_workbook(path)
    found = {}
    for sheet, stop in (("Приложение 2", "Мероприятия*"), ("2-қосымша", "Іс-шаралар*")):
        ws = book[sheet]
        end = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == stop)
        facts = {}
        for r in range(1, end):
            number, fact = ws.cell(row=r, column=1).value, ws.cell(row=r, column=8).value
            if number in rows and ws.cell(row=r, column=6).value == year and isinstance(fact, int | float):
                facts[(rows[number], kato, year)] = Decimal(str(fact))
        if not found:
            found = facts
        assert facts == found, f"{path.name}: the Kazakh sheet's facts differ from the Russian sheet's"
    return found


@pytest.mark.slow
def test_import_over_http_gives_the_same_catalogue(tmp_path):
    """The platform's published repository is read over HTTP the same way (ids from the catalogue, which
    cannot be listed over HTTP); served here from the real clone by a local HTTP server."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(REPO))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local, remote = tmp_path / "local", tmp_path / "remote"
        shutil.copytree(config.catalogue_dir(), local)
        shutil.copytree(config.catalogue_dir(), remote)
        import_opensdg(str(REPO), local)
        summary = import_opensdg(f"http://127.0.0.1:{server.server_address[1]}", remote)
    finally:
        server.shutdown()
        server.server_close()
    assert len(summary.mapped) == 72 and summary.indicators == 277
    for name in ("indicators.csv", "series/opensdg.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
