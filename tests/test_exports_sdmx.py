"""``sdg export sdmx``: the facts as SDMX-CSV 2.0 and structure-specific SDMX-ML, read back by our own SDMX reader.

Facts from the ``facts`` fixture (the bundled Taldau samples, synthetic values in Taldau's real format, and
3.4.2 computed from two of them). Both files are read back with ``etl.sources.sdmx`` (sdmx1 underneath)
against the exported ``structure.xml``, mapped to KATO through the ``iso3166_2`` aliases as an SDMX series is
ingested, and compared value by value with ``sdg.indicator_value``.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import text

from etl.cli import main
from etl.exports.sdmx_export import export_sdmx
from etl.exports.sdmx_rows import national_series
from etl.exports.sdmx_structure import DIMENSIONS
from etl.sources.sdmx.parse import to_frame
from etl.sources.sdmx.read import read_data

REFERENCE_HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,TIME_PERIOD,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,"
    "INCOME_WEALTH_QUANTILE,EDUCATION_LEV,OCCUPATION,CUST_BREAKDOWN,COMPOSITE_BREAKDOWN,DISABILITY_STATUS,"
    "ACTIVITY,PRODUCT,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,UNIT_MULT,NATURE"
)  # the UN's SDMX-CSV 2.0 of the SDG data (/work/shared/reference/sdmx), for the set of columns


def _facts(conn, year: int) -> dict[tuple[str, str, str], Decimal]:
    rows = conn.execute(
        text(
            "SELECT indicator_code, kato_code, year, value FROM sdg.indicator_value "
            "WHERE year <= :y AND value IS NOT NULL"
        ),
        {"y": year},
    ).all()
    return {(code, kato, str(y)): value for code, kato, y, value in rows}


def _series_of(conn) -> dict[str, str]:
    """SDMX SERIES -> indicator code, by the documented rule (UN series where mapped, else national)."""
    un = dict(
        conn.execute(
            text(
                "SELECT m.indicator_code, s.params->>'series_code' FROM sdg.indicator_series m "
                "JOIN sdg.series s USING (series_key) WHERE s.source = 'unsd'"
            )
        ).all()
    )
    codes = [r[0] for r in conn.execute(text("SELECT DISTINCT indicator_code FROM sdg.indicator_value"))]
    return {un.get(code) or national_series(code): code for code in codes}


def _read_back(content: bytes, fmt: str, structure: bytes, regions: dict[str, str], series: dict[str, str]) -> dict:
    observations = read_data(content, fmt, f"file:///export.{fmt}", structure)
    frame = to_frame(observations, url="file:///export", key="", area_scheme="iso3166_2", regions=regions).frame
    got = {}
    for obs, row in zip(observations.records, frame.itertuples(), strict=True):
        got[(series[obs.key["SERIES"]], row.kato_code, obs.key["TIME_PERIOD"])] = (row.value, row.unit, row.dims, obs)
    return got


def test_sdmx_csv_and_ml_read_back_equal_the_facts(facts, tmp_path):
    with facts.connect() as conn:
        export = export_sdmx(conn, 2025, tmp_path)
        expected = _facts(conn, 2025)
        series = _series_of(conn)
        regions = dict(
            conn.execute(text("SELECT alias, kato_code FROM sdg.region_alias WHERE scheme = 'iso3166_2'")).all()
        )
        decimals = dict(conn.execute(text("SELECT code, decimals FROM sdg.indicator")).all())
    assert export.observations == len(expected) > 100

    structure = export.structure.read_bytes()
    content = export.csv.read_bytes()
    header = content.decode().splitlines()[0].split(",")
    assert set(header) == set(REFERENCE_HEADER.split(","))
    assert header[3 : 3 + len(DIMENSIONS)] == list(DIMENSIONS)
    for fmt, body in (("sdmx-csv", content), ("sdmx-ml", export.xml.read_bytes())):
        got = _read_back(body, fmt, structure, regions, series)
        assert set(got) == set(expected), fmt
        for key, (value, unit, dims, obs) in got.items():
            assert value == round(expected[key], decimals[key[0]]), (fmt, key)
            # every breakdown is the total (_T) for these facts; the reader keeps what the key leaves open
            assert unit and dims == f"REPORTING_TYPE=N|SERIES={obs.key['SERIES']}", (fmt, key)

    rows = list(csv.DictReader(io.StringIO(content.decode())))
    nature = {r["NATURE"] for r in rows if r["SERIES"] == national_series("3.4.2")}
    assert nature == {"CA"}  # computed by the project's formula
    assert {r["REF_AREA"] for r in rows} >= {"KZ", "KZ-11", "KZ-75"}
    assert all("E" not in r["OBS_VALUE"] for r in rows)


def test_cli_sdmx(facts, tmp_path, capsys):
    tmp_path = tmp_path / "out"
    assert main(["export", "sdmx", "--year", "2025", "--out", str(tmp_path)]) == 0
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(first) == {"sdg_kz_2025.csv", "sdg_kz_2025.xml", "structure.xml"}
    assert main(["export", "sdmx", "--year", "2025", "--out", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first  # same warehouse, same bytes
    assert "SDMX-CSV 2.0" in capsys.readouterr().out
    assert main(["export", "sdmx", "--year", "2001", "--out", str(tmp_path / "none")]) == 1  # no fact: says so
