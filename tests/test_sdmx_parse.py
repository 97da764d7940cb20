"""SDMX parsing on crafted inputs: three formats agree, periods, statuses, units, totals, drift and XXE.

Inputs are the bundled SYNTHETIC samples (``samples/sdmx``) and SDMX-CSV 2.0 rows written here.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from etl import config
from etl.catalogue.files import CatalogueError, Row
from etl.sources.errors import SourceError
from etl.sources.sdmx.parse import period_bounds, to_frame
from etl.sources.sdmx.read import read_data
from etl.sources.sdmx.replay import resolve
from etl.sources.sdmx.source import SdmxSource

ROOT = config.SAMPLES_DIR / "sdmx"
KEY = "A.N.SI_POV_NAHC...."
DATA = ROOT / "data" / "DF_SDG_KZ"
STRUCTURE = (ROOT / "datastructure" / "IAEG-SDGs" / "SDG" / "1.8.xml").read_bytes()
URL = "http://sdmx.test/data/DF_SDG_KZ/" + KEY
REGIONS = {"KZ": "000000000", "KZ-11": "110000000", "KZ-75": "750000000", "KZ-71": "710000000"}
HEADER = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,TIME_PERIOD,"
HEADER += "OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,NATURE"


def _sample(suffix: str) -> bytes:
    return (DATA / f"{KEY}{suffix}").read_bytes()


def _parse(content: bytes, fmt: str, key: str = KEY, totals: dict | None = None, regions: dict | None = None):
    observations = read_data(content, fmt, URL, STRUCTURE)
    return to_frame(observations, url=URL, key=key, area_scheme="iso3166_2", regions=regions or REGIONS, totals=totals)


def _csv(*rows: str) -> bytes:
    """SDMX-CSV 2.0 rows: 'REF_AREA,SEX,AGE,URBANISATION,TIME_PERIOD,OBS_VALUE,UNIT_MULT,OBS_STATUS[,FREQ]'."""
    lines = [HEADER]
    for row in rows:
        area, sex, age, urb, period, value, mult, status, *freq = row.split(",")
        dims = f"{freq[0] if freq else 'A'},N,SI_POV_NAHC,{area},{sex},{age},{urb}"
        lines.append(f"dataflow,IAEG-SDGs:DF_SDG_KZ(1.0),I,{dims},{period},{value},PT,{mult},{status},N")
    return ("\n".join(lines) + "\n").encode()


def test_three_formats_give_identical_frames():
    frames = {fmt: _parse(_sample(sfx), fmt).frame for fmt, sfx in [("sdmx-ml", ".xml"), ("sdmx-json", ".json")]}
    frames["sdmx-csv"] = _parse(_sample(".csv"), "sdmx-csv").frame
    frames["structure-specific"] = _parse(_sample(".ss.xml"), "sdmx-ml").frame
    reference = frames["sdmx-ml"]
    assert len(reference) == 20
    for fmt, frame in frames.items():
        assert frame.equals(reference), fmt
    rows = {(r.kato_code, r.period_end.year, r.dims): r for r in reference.itertuples()}
    assert set(reference["dims"]) == {"", "SEX=F", "SEX=M", "URBANISATION=U", "URBANISATION=R"}
    assert rows[("000000000", 2021, "SEX=M")].value_text == "5"  # the published text, not 5.0
    assert rows[("750000000", 2022, "")].obs_status == "suppressed"  # OBS_STATUS C
    assert rows[("710000000", 2023, "")].obs_status == "missing"  # OBS_STATUS M, value NaN/null/empty
    assert rows[("110000000", 2023, "")].obs_status == "A"  # E (estimated) keeps its number
    assert set(reference["unit"]) == {"PT"} and set(reference["frequency"]) == {"A"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020", (date(2020, 1, 1), date(2020, 12, 31), "A")),
        ("2020-Q1", (date(2020, 1, 1), date(2020, 3, 31), "Q")),
        ("2024-Q4", (date(2024, 10, 1), date(2024, 12, 31), "Q")),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29), "M")),
        ("2023-02", (date(2023, 2, 1), date(2023, 2, 28), "M")),
    ],
)
def test_period_forms(text, expected):
    assert period_bounds(text) == expected


@pytest.mark.parametrize("period", ["2020-W01", "2020-S1", "2020-01-15", "2020-Q5", "2020-13", "20"])
def test_other_period_forms_fail_naming_the_value(period):
    with pytest.raises(SourceError, match=f"{URL}: unsupported TIME_PERIOD '{period}'"):
        _parse(_csv(f"KZ,_T,_T,_T,{period},1.5,0,A"), "sdmx-csv")


def test_quarterly_and_monthly_rows():
    frame = _parse(_csv("KZ,_T,_T,_T,2020-Q2,1,0,A,Q", "KZ-11,_T,_T,_T,2020-07,2,0,A,M"), "sdmx-csv").frame
    assert list(frame["frequency"]) == ["Q", "M"]
    assert list(frame["period_end"]) == [date(2020, 6, 30), date(2020, 7, 31)]


def test_freq_that_disagrees_with_the_period_fails():
    with pytest.raises(SourceError, match="FREQ 'A' does not match TIME_PERIOD '2020-Q2'"):
        _parse(_csv("KZ,_T,_T,_T,2020-Q2,1,0,A"), "sdmx-csv")


@pytest.mark.parametrize(
    ("value", "mult", "status", "expected"),
    [
        ("12.5", "0", "A", (Decimal("12.5"), "12.5", "A", "PT")),
        ("7.50", "0", "P", (Decimal("7.50"), "7.50", "A", "PT")),
        ("1200", "3", "A", (Decimal("1200"), "1200", "A", "PT ×10^3")),
        ("NaN", "0", "M", (None, "", "missing", "PT")),
        ("", "0", "L", (None, "", "missing", "PT")),
        ("", "0", "A", (None, "", "missing", "PT")),
        ("3.5", "0", "C", (None, "3.5", "suppressed", "PT")),
        ("", "0", "Q", (None, "", "suppressed", "PT")),
        ("x", "0", "A", (None, "x", "suppressed", "PT")),
        ("n.a.", "0", "A", (None, "n.a.", "invalid", "PT")),
    ],
)
def test_value_status_and_unit(value, mult, status, expected):
    frame = _parse(_csv(f"KZ,_T,_T,_T,2020,{value},{mult},{status}"), "sdmx-csv").frame
    row = frame.iloc[0]
    assert (row.value, row.value_text, row.obs_status, row.unit) == expected


def test_declared_totals_and_open_dimensions():
    rows = ("KZ,_T,Y_GE15,_T,2020,1,0,A", "KZ,_T,Y15T24,_T,2020,2,0,A", "KZ,F,Y_GE15,U,2020,3,0,A")
    frame = _parse(_csv(*rows), "sdmx-csv", totals={"AGE": "Y_GE15"}).frame
    assert list(frame["dims"]) == ["", "AGE=Y15T24", "SEX=F|URBANISATION=U"]
    fixed_sex = _parse(_csv("KZ,F,_T,_T,2020,1,0,A"), "sdmx-csv", key="A.N.SI_POV_NAHC..F..").frame
    assert list(fixed_sex["dims"]) == [""]  # a dimension the key fixes identifies the series


def test_unmapped_regions_are_counted_not_loaded():
    result = _parse(_csv("KZ,_T,_T,_T,2020,1,0,A", "KZ-99,_T,_T,_T,2020,2,0,A"), "sdmx-csv")
    assert list(result.frame["kato_code"]) == ["000000000"]
    assert result.unmapped_regions == {"KZ-99": "iso3166_2 code"}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda: _parse(_csv("KZ,_T,_T,_T,2020,1,0,A", "KZ,_T,_T,_T,2020,2,0,A"), "sdmx-csv"), "cuts repeat"),
        (lambda: _parse(_sample(".xml"), "sdmx-ml", key="A.N.SI_POV_NAHC"), "has 3 positions"),
        (lambda: _parse(_sample(".xml"), "sdmx-ml", totals={"AGES": "X"}), r"totals name dimensions \['AGES'\]"),
        (lambda: _parse(b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", "sdmx-ml"), "HTML page"),
        (lambda: _parse(b"<html><body>busy</body></html>", "sdmx-json"), "HTML page"),
        (lambda: _parse(_sample(".xml")[:3000], "sdmx-ml"), "invalid or truncated XML"),
        (lambda: _parse(_sample(".json")[:2000], "sdmx-json"), "invalid or truncated JSON"),
        (lambda: _parse(_sample(".csv")[:700], "sdmx-csv"), "truncated or malformed CSV: line 8"),
        (lambda: _parse(b"", "sdmx-csv"), "empty body"),
        (lambda: _parse(b"\xff\xfe<x/>", "sdmx-ml"), "not UTF-8"),
        (lambda: _parse(b"DATAFLOW,TIME_PERIOD\nX,2020\n", "sdmx-csv"), "SDMX-CSV 1.0"),
        (lambda: _parse(b'{"errors": [{"code": 100, "title": "No results"}]}', "sdmx-json"), "SDMX-JSON error"),
        (lambda: _parse(b'{"header": {}, "dataSets": [{}]}', "sdmx-json"), "not an SDMX-JSON data message"),
        (lambda: _parse(b"<root>not sdmx</root>", "sdmx-ml"), "sdmx1 could not read the XML message"),
        (
            lambda: to_frame(
                read_data(_sample(".csv"), "sdmx-csv", URL), url=URL, key=KEY, area_scheme="m49", regions={}
            ),
            "declare structure_url",
        ),
    ],
    ids=[
        "duplicate",
        "key-length",
        "totals-dim",
        "html-xml",
        "html-json",
        "truncated-xml",
        "truncated-json",
        "truncated-csv",
        "empty",
        "encoding",
        "csv-v1",
        "json-error",
        "json-shape",
        "xml-not-sdmx",
        "csv-no-dsd",
    ],
)
def test_drift_is_a_source_error_naming_url_and_reason(mutate, reason):
    with pytest.raises(SourceError, match=reason) as info:
        mutate()
    assert info.value.url == URL and str(info.value).startswith(f"sdmx: {URL}: ")


def test_external_entity_is_never_resolved(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-HOSTNAME")
    body = _sample(".xml").replace(
        b"<?xml version='1.0' encoding='utf-8'?>",
        f'<?xml version="1.0"?>\n<!DOCTYPE mes:GenericData [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode(),
    )
    body = body.replace(b'<gen:Value id="REF_AREA" value="KZ-71"/>', b'<gen:Value id="REF_AREA" value="&xxe;"/>')
    body = body.replace(b'<gen:ObsValue value="1.9"/>', b"<gen:ObsValue value='&xxe;'/>")
    assert b"&xxe;" in body
    with pytest.raises(SourceError, match="DOCTYPE declaration is refused") as info:
        _parse(body, "sdmx-ml")
    assert "TOP-SECRET" not in str(info.value)


def test_structure_specific_xml_needs_the_structure():
    with pytest.raises(SourceError, match="structure-specific SDMX-ML is read with its structure"):
        read_data(_sample(".ss.xml"), "sdmx-ml", URL)


def test_internal_entity_expansion_is_refused_too():
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><d>&b;</d>'
    with pytest.raises(SourceError, match="DOCTYPE declaration is refused"):
        _parse(bomb, "sdmx-ml")


def test_sdmx_json_2_layout_and_data_set_attributes():
    tree = json.loads(_sample(".json"))
    structure = tree.pop("structure")
    unit = structure["attributes"]["series"].pop(0)
    structure["attributes"]["dataSet"] = [unit]  # UNIT_MEASURE on the data set, not the series
    for series in tree["dataSets"][0]["series"].values():
        series["attributes"] = series["attributes"][1:]
    tree["dataSets"][0]["attributes"] = [0]
    v2 = {"meta": tree.pop("header"), "data": {"structures": [structure], "dataSets": tree.pop("dataSets")}}
    frame = _parse(json.dumps(v2).encode(), "sdmx-json").frame
    assert frame.equals(_parse(_sample(".xml"), "sdmx-ml").frame)


def _row(**values: str) -> Row:
    data = {"flow": "DF_SDG_KZ", "key": KEY, "format": "sdmx-ml", "area_scheme": "iso3166_2", "totals": ""}
    return Row(Path("sdmx.csv"), 2, {**data, "structure_url": "", **values}, "series/sdmx.csv")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"format": "sdmx-csv"}, "column 'structure_url': SDMX-CSV is read with its data structure"),
        ({"format": "xls"}, "column 'format': expected one of"),
        ({"area_scheme": "iso"}, "column 'area_scheme': expected one of"),
        ({"totals": "SEX"}, "column 'totals': expected DIM=CODE"),
        ({"flow": "../etc"}, "column 'flow': only letters"),
    ],
)
def test_catalogue_columns_are_checked(values, reason):
    with pytest.raises(CatalogueError, match=f"series/sdmx.csv, line 2, {reason}"):
        SdmxSource.series_params(_row(**values))


def test_catalogue_params():
    params = SdmxSource.series_params(_row(totals="SEX=_T; AGE=Y_GE15"))
    assert params["totals"] == {"SEX": "_T", "AGE": "Y_GE15"}
    assert params["key"] == KEY and params["structure_url"] == ""


@pytest.mark.parametrize(
    ("path", "query", "found"),
    [
        (f"/data/DF_SDG_KZ/{KEY}", "format=sdmx-json", f"data/DF_SDG_KZ/{KEY}.json"),
        (f"/data/DF_SDG_KZ/{KEY}", "", f"data/DF_SDG_KZ/{KEY}.xml"),
        ("/datastructure/IAEG-SDGs/SDG/1.8", "references=none", "datastructure/IAEG-SDGs/SDG/1.8.xml"),
        (f"/data/DF_SDG_KZ/{KEY}", "format=xls", None),
        ("/data/../../taldau/x", "", None),
        ("/data/DF_SDG_KZ/..", "", None),
        ("/datastructure/IAEG-SDGs/SDG/../../../README.md", "", None),
    ],
)
def test_replay_resolves_only_sample_files(path, query, found):
    result = resolve(ROOT, path, query)
    assert result == (ROOT / found if found else None)
