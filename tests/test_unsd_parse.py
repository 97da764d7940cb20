"""UN SDG API pages on crafted inputs: value forms, periods, dims and totals, regions, and every kind of drift.

The pages are SYNTHETIC, built in the real shape of ``/v1/sdg/Series/Data`` (``shared/reference/unsd``).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from etl.catalogue.files import CatalogueError, Row
from etl.sources.base import RegionLookup
from etl.sources.errors import SourceError
from etl.sources.unsd.parse import parse_page, period_of
from etl.sources.unsd.replay import resolve
from etl.sources.unsd.source import UnsdSource

URL = "http://unsd.test/v1/sdg/Series/Data?seriesCode=SL_TLF_UEM&areaCode=398&page=1&pageSize=20"
REGIONS = RegionLookup({("m49", "398"): "000000000"})
TOTALS = {"Sex": "BOTHSEX", "Age": "15+", "Reporting Type": "G"}
CODES = {
    "Sex": [("BOTHSEX", "_T"), ("FEMALE", "F"), ("MALE", "M")],
    "Age": [("15+", "Y_GE15"), ("15-24", "Y15T24"), ("ALLAGE", "_T")],
    "Reporting Type": [("G", "G"), ("N", "N")],
    "Type of skill": [("SKILL_ICTCMFL", "ICTCMFL")],
    "Odd": [("A|B", "A|B")],
}


def row(value: object = "4.9", year: object = 2020.0, **changes: object) -> dict:
    base = {
        "series": "SL_TLF_UEM",
        "geoAreaCode": "398",
        "geoAreaName": "Kazakhstan",
        "timePeriodStart": year,
        "value": value,
        "valueType": "Float",
        "time_detail": None,
        "attributes": {"Nature": "C", "Units": "PERCENT"},
        "dimensions": {"Sex": "BOTHSEX", "Age": "15+", "Reporting Type": "G"},
    }
    return {**base, **changes}


def page(rows: list, **changes: object) -> bytes:
    body = {
        "size": 20,
        "totalElements": len(rows),
        "totalPages": 1,
        "pageNumber": 1,
        "attributes": [{"id": "Units", "codes": [{"code": "PERCENT", "description": "Percentage", "sdmx": "PT"}]}],
        "dimensions": [
            {"id": name, "codes": [{"code": c, "description": c, "sdmx": s} for c, s in codes]}
            for name, codes in CODES.items()
        ],
        "data": rows,
        **changes,
    }
    return json.dumps(body).encode()


def parse(content: bytes, totals: dict[str, str] | None = None, unit: str | None = "процент"):
    return parse_page(
        content,
        url=URL,
        series_code="SL_TLF_UEM",
        totals=TOTALS if totals is None else totals,
        regions=REGIONS,
        unit=unit,
    )


@pytest.mark.parametrize(
    ("raw", "value", "status", "text"),
    [
        ("4.9", Decimal("4.9"), "A", "4.9"),
        ("12", Decimal("12"), "A", "12"),
        ("1.5E-2", Decimal("0.015"), "A", "1.5E-2"),
        ("NaN", None, "missing", "NaN"),
        ("NV", None, "missing", "NV"),
        ("", None, "missing", ""),
        (None, None, "missing", ""),
        ("<5", None, "invalid", "<5"),
        (">95", None, "invalid", ">95"),
        ("N", None, "invalid", "N"),
        ("x", None, "suppressed", "x"),
    ],
)
def test_value_forms(raw, value, status, text):
    frame = parse(page([row(raw)])).frame
    assert frame.loc[0, ["value", "obs_status", "value_text"]].tolist() == [value, status, text]


@pytest.mark.parametrize(
    ("start", "detail", "bounds"),
    [
        (2015.0, None, (date(2015, 1, 1), date(2015, 12, 31))),
        (2015, "", (date(2015, 1, 1), date(2015, 12, 31))),
        ("2015", "2015", (date(2015, 1, 1), date(2015, 12, 31))),
        (2016.0, "2015-2017", (date(2015, 1, 1), date(2017, 12, 31))),
    ],
)
def test_periods(start, detail, bounds):
    assert period_of(start, detail) == bounds


@pytest.mark.parametrize(
    ("start", "detail", "reason"),
    [
        (2015.5, None, "timePeriodStart 2015.5 is not a year"),
        ("abc", None, "timePeriodStart 'abc' is not a year"),
        (None, None, "timePeriodStart None is not a year"),
        (2015.0, "2015-Q1", "time_detail '2015-Q1' does not fit"),
        (2019.0, "2015-2017", "time_detail '2015-2017' does not fit"),
    ],
)
def test_bad_periods_name_url_and_row(start, detail, reason):
    with pytest.raises(SourceError, match=re.escape(f"unsd: {URL}: page 1 row 0: {reason}")):
        parse(page([row(year=start, time_detail=detail)]))


@pytest.mark.parametrize(
    ("dimensions", "dims"),
    [
        ({"Sex": "BOTHSEX", "Age": "15+", "Reporting Type": "G"}, ""),
        ({"Sex": "FEMALE", "Age": "15+", "Reporting Type": "G"}, "SEX=F"),
        ({"Sex": "MALE", "Age": "15-24", "Reporting Type": "G"}, "AGE=Y15T24|SEX=M"),
        ({"Sex": "BOTHSEX", "Age": "ALLAGE", "Reporting Type": "G"}, "AGE=ALLAGE"),  # undeclared total: API code
        ({"Sex": "BOTHSEX", "Age": "15+", "Reporting Type": "N"}, "REPORTING_TYPE=N"),
        ({"Sex": "BOTHSEX", "Type of skill": "SKILL_ICTCMFL"}, "TYPE_OF_SKILL=ICTCMFL"),  # unknown name kept
        ({}, ""),
    ],
)
def test_dims_are_sdmx_concepts_and_codes_with_declared_totals_left_out(dimensions, dims):
    assert parse(page([row(dimensions=dimensions)])).frame.loc[0, "dims"] == dims


def test_without_declared_totals_every_dimension_is_kept():
    frame = parse(page([row()]), totals={}).frame
    assert frame.loc[0, "dims"] == "AGE=Y_GE15|REPORTING_TYPE=G|SEX=BOTHSEX"


def test_region_unit_period_and_unmapped_areas():
    rows = [row(), row(geoAreaCode="860", geoAreaName="Uzbekistan"), row(attributes={"Nature": "E"})]
    rows[2]["timePeriodStart"] = 2021.0
    result = parse(page(rows))
    assert result.unmapped_regions == {"860": "Uzbekistan"}
    assert result.frame[["kato_code", "period_start", "period_end", "frequency", "unit"]].values.tolist() == [
        ["000000000", date(2020, 1, 1), date(2020, 12, 31), "A", "PERCENT"],
        ["000000000", date(2021, 1, 1), date(2021, 12, 31), "A", "процент"],  # no Units: the catalogue's unit
    ]
    assert result.notes == ["Nature (not stored): C x1, E x1"]


def test_empty_result_is_an_empty_frame():
    result = parse(page([], totalPages=0))
    assert result.frame.empty and list(result.frame.columns)[0] == "kato_code"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "answered an HTML page instead of JSON"),
        (b"", "answered an empty body"),
        (b"   ", "answered an empty body"),
        (page([row()])[:-40], "invalid or truncated JSON at char"),
        (b"\xff\xfe{", "answer is not UTF-8"),
        (b"[]", "expected a JSON object with paging fields, got list"),
        (page([row()], totalPages=None), "paging fields should be non-negative integers"),
        (page([row()], data={"a": 1}), "'data' should be a list, got dict"),
        (json.dumps({"data": []}).encode(), "paging fields ['totalElements', 'totalPages', 'pageNumber'] missing"),
        (page([row()], dimensions=[{"id": "Sex"}]), "'dimensions' code lists have an unexpected shape"),
        (page(["oops"]), "page 1 row 0: expected an object, got str"),
        (page([{"series": "SL_TLF_UEM"}]), "page 1 row 0: keys ['geoAreaCode', 'timePeriodStart'"),
        (page([row(series="SI_POV_DAY1")]), "page 1 row 0: series 'SI_POV_DAY1', but 'SL_TLF_UEM' was asked for"),
        (page([row(dimensions=["Sex"])]), "page 1 row 0: 'dimensions' should be an object"),
        (page([row(dimensions={"Sex": "OTHER"})]), "dimension 'Sex' value 'OTHER' is not in the answer's code list"),
        (page([row(dimensions={"Colour": "RED"})]), "dimension 'Colour' value 'RED' is not in the answer's code list"),
        (page([row(dimensions={"Odd": "A|B"})]), "dimension 'Odd'='A|B' cannot be keyed"),
    ],
)
def test_unusable_answers_name_source_url_and_reason(content, reason):
    with pytest.raises(SourceError, match=re.escape(f"unsd: {URL}: ") + ".*" + re.escape(reason)) as info:
        parse(content)
    assert info.value.url == URL


def test_a_repeated_cut_is_refused_naming_both_rows_and_what_differs():
    rows = [row("4.9"), row("5.1", attributes={"Nature": "E", "Units": "PERCENT"})]
    message = "page 1 row 1 repeats the cut of page 1 row 0 (area 398, period 2020-01-01..2020-12-31, dims (totals))"
    with pytest.raises(SourceError, match=re.escape(message) + ".*Nature 'C'/'E'"):
        parse(page(rows))


def test_a_declared_total_and_its_sdmx_total_never_collide():
    rows = [row(), row(dimensions={"Sex": "BOTHSEX", "Age": "ALLAGE", "Reporting Type": "G"})]
    assert parse(page(rows)).frame["dims"].tolist() == ["", "AGE=ALLAGE"]


def _row_of(**data: str) -> Row:
    defaults = {"series_code": "SL_TLF_UEM", "area_code": "", "totals": "", "page_size": ""}
    return Row(Path("unsd.csv"), 2, {**defaults, **data}, "series/unsd.csv")


def test_series_params_defaults_and_totals():
    params = UnsdSource.series_params(_row_of(totals=" Sex=BOTHSEX ; Reporting Type=G;"))
    assert params == {
        "series_code": "SL_TLF_UEM",
        "area_code": "398",
        "totals": {"Sex": "BOTHSEX", "Reporting Type": "G"},
        "page_size": 500,
    }


@pytest.mark.parametrize(
    ("data", "column", "reason"),
    [
        ({"series_code": "sl-tlf"}, "series_code", "expected an SDG series code"),
        ({"area_code": "KAZ"}, "area_code", "expected an M49 code"),
        ({"page_size": "0"}, "page_size", "expected 1..10000"),
        ({"page_size": "many"}, "page_size", "expected an integer"),
        ({"totals": "Sex"}, "totals", "expected distinct 'Dimension=CODE' pairs"),
        ({"totals": "Sex=BOTHSEX;Sex=MALE"}, "totals", "expected distinct"),
        ({"totals": "=BOTHSEX"}, "totals", "expected distinct"),
    ],
)
def test_series_params_errors_name_file_line_and_column(data, column, reason):
    where = f"series/unsd.csv, line 2, column '{column}': {reason}"
    with pytest.raises(CatalogueError, match=re.escape(where)):
        UnsdSource.series_params(_row_of(**data))


def test_replay_resolves_only_whitelisted_requests(tmp_path):
    folder = tmp_path / "v1" / "sdg" / "Series" / "Data"
    folder.mkdir(parents=True)
    (folder / "SL_TLF_UEM-a398-p2-s20.json").write_text("{}")
    (tmp_path / "secret.json").write_text("{}")
    path = "/v1/sdg/Series/Data"
    assert resolve(tmp_path, path, "seriesCode=SL_TLF_UEM&areaCode=398&page=2&pageSize=20") == (
        folder / "SL_TLF_UEM-a398-p2-s20.json"
    )
    for bad_path, query in [
        (path, "seriesCode=SL_TLF_UEM&areaCode=398&page=3&pageSize=20"),  # no such file
        (path, "seriesCode=../../secret&areaCode=398&page=1&pageSize=20"),
        (path, "seriesCode=SL_TLF_UEM%2F..&areaCode=398&page=2&pageSize=20"),
        (path, "seriesCode=SL_TLF_UEM&areaCode=398&page=2&pageSize=20&page=1"),  # repeated parameter
        (path, "seriesCode=SL_TLF_UEM&areaCode=398&page=0&pageSize=20"),
        (path, "seriesCode=SL_TLF_UEM&areaCode=398&page=2"),
        ("/v1/sdg/Series/../Data", "seriesCode=SL_TLF_UEM&areaCode=398&page=2&pageSize=20"),
    ]:
        assert resolve(tmp_path, bad_path, query) is None, query
