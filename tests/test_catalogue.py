"""The shipped catalogue files, their mirror in the warehouse, and errors that point at the bad cell.

Broken catalogue folders are SYNTHETIC: copies of catalogue/ with one cell or header changed.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from taldau_samples import segment_of

from etl import config
from etl.catalogue.files import CatalogueError
from etl.catalogue.model import load_indicators, load_regions, load_series
from etl.catalogue.sync import sync_catalogue

TABLES = (
    "sdg.region",
    "sdg.region_alias",
    "sdg.indicator",
    "sdg.series",
    "sdg.indicator_series",
    "sdg.appendix1_item",
    "sdg.plan_value",
    "sdg.activity",
)
SPLIT_DATE = date(2022, 6, 8)


def _csv(name: str, folder: Path = config.CATALOGUE_DIR) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_regions():
    regions = load_regions()
    by_code = {r.kato_code: r for r in regions}
    assert len(regions) == len(by_code) == 22
    assert by_code["000000000"].kind == "country"
    south = by_code["510000000"]  # South Kazakhstan, renamed Turkistan in 2018
    assert south.valid_to is not None and south.valid_to < date(2019, 1, 1)
    assert south.valid_in(2017) and not south.valid_in(2019)

    current = [r for r in regions if r.kind != "country" and r.valid_to is None]
    assert len(current) == 20
    assert all(r.taldau_term_id for r in current)
    assert all(re.fullmatch(r"KZ-\d{2}", r.iso3166_2) for r in current)
    assert len({r.taldau_term_id for r in current}) == 20
    assert len({r.iso3166_2 for r in current}) == 20
    assert {r.kato_code for r in current} == {
        row["kato_code"] for row in _csv("regions.csv") if row["kind"] != "country" and not row["valid_to"]
    }

    for kato in ("100000000", "330000000", "620000000"):  # Abai, Zhetysu, Ulytau
        region = by_code[kato]
        assert region.valid_from == SPLIT_DATE
        assert region.split_from_kato in by_code
        parent = by_code[region.split_from_kato]
        assert parent.valid_to is None and parent.valid_in(2021)
        assert not region.valid_in(2021) and region.valid_in(2022)
    assert [r.sort_order for r in regions] == sorted(r.sort_order for r in regions)


def test_indicators_have_taldau_series():
    indicators = load_indicators()
    series = load_series(indicator_codes={i.code for i in indicators})
    taldau = {s.indicator_code for s in series if s.source == "taldau" and s.indicator_code}
    assert len(indicators) == 277 and len(taldau) >= 13  # the whole national list; Taldau feeds the first 13
    assert taldau <= {i.code for i in indicators}
    for item in (s for s in series if s.source == "taldau"):
        p = item.params
        dics, totals = segment_of(p["index_id"], p["period_id"], p["dics"], p["total_terms"])
        assert len(totals) == len(dics) - 1
        sample = config.SAMPLES_DIR / "taldau" / "GetIndexData"
        name = f"{p['index_id']}-p{p['period_id']}-d{'_'.join(map(str, dics))}.json"
        assert (sample / name).is_file(), name


_CHECKSUM = "SELECT count(*), md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), '')) FROM {table} t"


def _table_checksums(conn) -> dict[str, tuple]:
    return {table: tuple(conn.execute(text(_CHECKSUM.format(table=table))).one()) for table in TABLES}


def test_sync_is_idempotent_and_mirrors_the_files(engine):
    with engine.connect() as conn:
        templated = _table_checksums(conn)  # the fixture database was synced once already
    with engine.begin() as conn:
        first = sync_catalogue(conn)
    with engine.connect() as conn:
        after_first = _table_checksums(conn)
    with engine.begin() as conn:
        second = sync_catalogue(conn)
    with engine.connect() as conn:
        after_second = _table_checksums(conn)
    assert templated == after_first == after_second
    assert first == second

    assert after_first["sdg.region"][0] == first.regions == len(_csv("regions.csv"))
    assert after_first["sdg.indicator"][0] == first.indicators == len(_csv("indicators.csv"))
    series_rows = [r for path in (config.CATALOGUE_DIR / "series").glob("*.csv") for r in _csv(f"series/{path.name}")]
    assert after_first["sdg.series"][0] == len(series_rows)
    assert after_first["sdg.indicator_series"][0] == sum(1 for r in series_rows if r["indicator_code"])
    assert after_first["sdg.plan_value"][0] == len(_csv("plans.csv"))
    assert after_first["sdg.activity"][0] == len(_csv("activities.csv"))
    n_current = sum(1 for r in _csv("regions.csv") if r["kind"] != "country")  # historical regions have the list too
    default_rows = [r for r in _csv("appendix1.csv") if r["kato_code"] == "*"]
    own_rows = {(r["kato_code"], r["row_no"]) for r in _csv("appendix1.csv") if r["kato_code"] != "*"}
    assert after_first["sdg.appendix1_item"][0] >= n_current * len(default_rows)
    assert after_first["sdg.appendix1_item"][0] <= n_current * len(default_rows) + len(own_rows)
    with engine.connect() as conn:
        aliases = dict(
            conn.execute(text("SELECT alias, kato_code FROM sdg.region_alias WHERE scheme = 'taldau_term'")).all()
        )
        genitives = {
            k: (ru, kk)
            for k, ru, kk in conn.execute(text("SELECT kato_code, genitive_ru, genitive_kk FROM sdg.region"))
        }
    expected = {r["taldau_term_id"]: r["kato_code"] for r in _csv("regions.csv") if r["taldau_term_id"]}
    assert aliases == expected
    # bodies are named for the region from these («…города Астаны»)
    assert genitives == {r["kato_code"]: (r["genitive_ru"], r["genitive_kk"]) for r in _csv("regions.csv")}
    assert genitives["710000000"] == ("города Астаны", "Астана қаласының")


def _broken(tmp_path: Path, name: str, change) -> tuple[Path, int]:
    """Copy the catalogue and change one data row of ``name``; return the folder and the file line changed."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    path = folder / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    index = change(rows, fields)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder, index + 2  # line 1 is the header


def _set(match: dict[str, str], column: str, value: str):
    def change(rows, fields):
        index = next(i for i, r in enumerate(rows) if all(r[k] == v for k, v in match.items()))
        rows[index][column] = value
        return index

    return change


def _drop_column(column: str):
    def change(rows, fields):
        fields.remove(column)
        for row in rows:
            del row[column]
        return -1  # the header line

    return change


def _sync(engine, folder: Path) -> None:
    with engine.begin() as conn:
        sync_catalogue(conn, folder)


BROKEN = [
    ("regions.csv", _set({"kato_code": "710000000"}, "kato_code", "71000000"), "kato_code", "expected 9 digits"),
    ("regions.csv", _set({"kato_code": "750000000"}, "kato_code", "75000000A"), "kato_code", "expected 9 digits"),
    ("regions.csv", _set({"kato_code": "100000000"}, "valid_from", "08.06.2022"), "valid_from", "expected a date"),
    ("regions.csv", _set({"kato_code": "110000000"}, "taldau_term_id", "24778x"), "taldau_term_id", "an integer"),
    ("indicators.csv", _set({"code": "3.1.1"}, "direction", "0"), "direction", "expected 1, -1 or empty"),
    ("indicators.csv", _set({"code": "3.1.2"}, "direction", "up"), "direction", "expected an integer, got 'up'"),
    ("indicators.csv", _set({"code": "1.2.1"}, "name_ru", ""), "name_ru", "value required"),
    (
        "series/taldau.csv",
        _set({"indicator_code": "8.5.2"}, "indicator_code", "99.9.9"),
        "indicator_code",
        "taldau:702846:p7 maps to unknown indicator '99.9.9'",
    ),
    (
        "series/taldau.csv",
        _set({"indicator_code": "3.2.1"}, "total_terms", "741917;abc"),
        "total_terms",
        "expected integers",
    ),
    ("appendix1.csv", _set({"row_no": "5"}, "indicator_code", "0.0.0"), "indicator_code", "unknown indicator"),
    ("appendix1.csv", _set({"row_no": "6"}, "classification", "4"), "classification", "expected 1, 2 or 3"),
    ("plans.csv", _set({"indicator_code": "8.5.2", "kato_code": "750000000"}, "value", "4,6%"), "value", "a number"),
]


@pytest.mark.parametrize(("name", "change", "column", "reason"), BROKEN, ids=[f"{b[0]}-{b[2]}" for b in BROKEN])
def test_bad_cell_is_named(engine, tmp_path, name, change, column, reason):
    with engine.connect() as conn:
        before = _table_checksums(conn)
    folder, line = _broken(tmp_path, name, change)
    where = f"{name}, line {line}, column '{column}'"
    with pytest.raises(CatalogueError, match=re.escape(where) + ".*" + re.escape(reason)):
        _sync(engine, folder)
    with engine.connect() as conn:
        assert _table_checksums(conn) == before  # all or nothing


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("regions.csv", "iso3166_2"),
        ("indicators.csv", "direction"),
        ("series/taldau.csv", "dics"),
        ("activities.csv", "name_ru"),
    ],
)
def test_missing_column_is_named(engine, tmp_path, name, column):
    folder, line = _broken(tmp_path, name, _drop_column(column))
    assert line == 1
    with pytest.raises(CatalogueError, match=re.escape(f"{name}, line 1: header lacks columns ['{column}']")):
        _sync(engine, folder)


def test_missing_file_is_named(tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    for path in (folder / "series").glob("*.csv"):
        path.unlink()
    with pytest.raises(CatalogueError, match=re.escape(f"no series files in {folder / 'series'}")):
        load_series(folder)


def test_duplicates_and_dangling_split_are_refused(tmp_path):
    folder, _ = _broken(tmp_path, "regions.csv", _set({"kato_code": "750000000"}, "taldau_term_id", "268012"))
    with pytest.raises(CatalogueError, match=r"regions.csv: column 'taldau_term_id' repeats \['268012'\]"):
        load_regions(folder)
    shutil.rmtree(folder)
    folder, _ = _broken(tmp_path, "regions.csv", _set({"kato_code": "100000000"}, "split_from_kato", "640000000"))
    with pytest.raises(CatalogueError, match="regions.csv: 100000000 split from unknown 640000000"):
        load_regions(folder)
