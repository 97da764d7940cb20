"""Bad values never end an ingest with a traceback: non-finite, out-of-range and control characters.

Each bad input goes through the real parser of every source format and must raise a ``BadValueError``
(a non-retryable ``SourceError``) naming source, URL, row and field; one goes end to end through
``ingest_series`` into PostgreSQL. Every answer here is SYNTHETIC, in the real formats (Taldau
``GetIndexData``, UN ``Series/Data`` pages, SDMX-JSON, Open SDG CSV, the files template).
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from files_helpers import KNOWN_KATO, csv_bytes, row
from sqlalchemy import text

from etl import config
from etl.catalogue.model import load_regions, load_series
from etl.ingest.run import ingest_series
from etl.sources.base import RegionLookup
from etl.sources.errors import BadValueError, SourceError
from etl.sources.files.parse import parse_report
from etl.sources.observations import AVAILABLE, INVALID, BadValue, parse_value
from etl.sources.opensdg.parse import parse_indicator_csv
from etl.sources.opensdg.source import OpenSdgSource
from etl.sources.sdmx.parse import to_frame
from etl.sources.sdmx.read import read_data
from etl.sources.taldau.parse import parse_index_data
from etl.sources.unsd.parse import parse_page

#: published text -> what the message must say about it
BAD = {
    "Infinity": "'Infinity' is not a finite number",
    "-inf": "'-inf' is not a finite number",
    "NaN": "'NaN' is not a finite number",
    "1e400": "'1e400' is not a finite number",
    "1e-20000": "'1e-20000' is out of range",
    "12\x00": "'12\\x00' contains the control character U+0000",
    "1\x07": "'1\\x07' contains the control character U+0007",
}


@pytest.mark.parametrize(("raw", "message"), BAD.items())
def test_parse_value_refuses_what_no_column_can_hold(raw, message):
    with pytest.raises(BadValue, match=re.escape(message)):
        parse_value(raw)


@pytest.mark.parametrize("raw", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_json_numbers_are_refused(raw):
    """``json.loads`` turns ``1e400``, ``Infinity`` and ``NaN`` into these floats."""
    with pytest.raises(BadValue, match="is not a finite number"):
        parse_value(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("9.99e307", Decimal("9.99e307")), ("-1e-307", Decimal("-1e-307")), ("0", Decimal(0)), ("1 234,5\t", None)],
)
def test_values_at_the_edges_still_load(raw, value):
    parsed = parse_value(raw)
    assert parsed.status == AVAILABLE and parsed.value == (value if value is not None else Decimal("1234.5"))


def test_a_long_fraction_beyond_postgresql_numeric_is_refused():
    with pytest.raises(BadValue, match="16384 digits after the decimal point"):
        parse_value("0." + "1" * 16384)


def test_text_that_is_merely_not_a_number_stays_invalid():
    assert parse_value("infinite").status == INVALID  # kept verbatim for a person, as before


# --- every source format -------------------------------------------------------------------------------

TALDAU_URL = "http://taldau.test/ru/Api/GetIndexData/704460?period=7&dics=67"


def _taldau(value_json: str) -> bytes:
    """Taldau rows with the value as given (raw JSON text: a string or a bare number)."""
    period = '{"name": "2024 год", "date": "31.12.2024", "value": ' + value_json + "}"
    return ('[{"terms": [741880], "termNames": ["РЕСПУБЛИКА КАЗАХСТАН"], "periods": [' + period + "]}]").encode()


@pytest.mark.parametrize(
    ("value_json", "message"),
    [
        ('"1e400"', BAD["1e400"]),
        ("1e400", BAD["1e400"]),  # a bare JSON number: kept as written (etl.sources.answers.JsonNumber)
        ("Infinity", "'inf' is not a finite number"),
        ('"1e-20000"', BAD["1e-20000"]),
        ('"12\\u0000"', BAD["12\x00"]),
    ],
)
def test_taldau(value_json, message):
    terms = {r.taldau_term_id: r.kato_code for r in load_regions() if r.taldau_term_id}
    with pytest.raises(BadValueError) as info:
        parse_index_data(_taldau(value_json), url=TALDAU_URL, period_id=7, dics=[67], region_terms=terms)
    where = "row 0 (KATO 000000000), period 0 (date '31.12.2024'), field 'value': "
    assert str(info.value).startswith(f"taldau: {TALDAU_URL}: {where}{message}")
    assert info.value.retryable is False


UNSD_URL = "http://unsd.test/v1/sdg/Series/Data?seriesCode=SL_TLF_UEM&areaCode=398&page=1&pageSize=20"


def _unsd(value: object = "4.9", units: str = "PERCENT", sex: str = "FEMALE") -> bytes:
    data = {
        "series": "SL_TLF_UEM",
        "geoAreaCode": "398",
        "geoAreaName": "Kazakhstan",
        "timePeriodStart": 2020.0,
        "value": value,
        "time_detail": None,
        "attributes": {"Nature": "C", "Units": units},
        "dimensions": {"Sex": sex},
    }
    codes = [{"id": "Sex", "codes": [{"code": "FEMALE", "sdmx": "F"}, {"code": "M\x00", "sdmx": "M\x00"}]}]
    body = {"size": 20, "totalElements": 1, "totalPages": 1, "pageNumber": 1, "dimensions": codes, "data": [data]}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            _unsd("1e400"),
            "page 1 row 0 (area 398, period 2020-01-01..2020-12-31, dims SEX=F), field 'value': " + BAD["1e400"],
        ),
        (_unsd("Infinity"), "field 'value': " + BAD["Infinity"]),
        (_unsd("1e-20000"), "field 'value': " + BAD["1e-20000"]),
        (_unsd("4.9\x00"), "field 'value': '4.9\\x00' contains the control character U+0000"),
        (_unsd(units="PERCENT\x00"), "page 1 row 0, attribute 'Units': 'PERCENT\\x00' contains the control"),
        (_unsd(sex="M\x00"), "page 1 row 0, dimension 'Sex': 'M\\x00' contains the control character U+0000"),
    ],
)
def test_unsd(content, message):
    regions = RegionLookup({("m49", "398"): "000000000"})
    with pytest.raises(BadValueError, match=re.escape(f"unsd: {UNSD_URL}: ") + ".*" + re.escape(message)):
        parse_page(content, url=UNSD_URL, series_code="SL_TLF_UEM", totals={}, regions=regions)


SDMX_KEY = "A.N.SI_POV_NAHC...."
SDMX_URL = "http://sdmx.test/data/DF_SDG_KZ/" + SDMX_KEY
SDMX_JSON = config.SAMPLES_DIR / "sdmx" / "data" / "DF_SDG_KZ" / f"{SDMX_KEY}.json"


def _sdmx_json(value: str | None = None, sex: str | None = None) -> bytes:
    """The bundled SDMX-JSON sample (synthetic) with its first value or its SEX code replaced, as raw JSON text."""
    tree = json.loads(SDMX_JSON.read_text(encoding="utf-8"))
    if sex is not None:
        sex_dim = next(d for d in tree["structure"]["dimensions"]["series"] if d["id"] == "SEX")
        sex_dim["values"][0]["id"] = sex
    content = json.dumps(tree)
    if value is not None:
        content = content.replace('"0": [5.2,', f'"0": [{value},', 1)
    return content.encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_sdmx_json('"1e400"'), "field OBS_VALUE: " + BAD["1e400"]),
        (_sdmx_json("1e400"), "field OBS_VALUE: " + BAD["1e400"]),  # a bare number keeps its text here
        (_sdmx_json('"-Infinity"'), "field OBS_VALUE: '-Infinity' is not a finite number"),
        (_sdmx_json('"1e-20000"'), "field OBS_VALUE: " + BAD["1e-20000"]),
        (_sdmx_json('"5\\u0000"'), "field OBS_VALUE: '5\\x00' contains the control character U+0000"),
        (_sdmx_json(sex="F\x01"), "dimension SEX: 'F\\x01' contains the control character U+0001"),
    ],
)
def test_sdmx_json(content, message):
    observations = read_data(content, "sdmx-json", SDMX_URL)
    regions = {"KZ": "000000000", "KZ-11": "110000000", "KZ-75": "750000000", "KZ-71": "710000000"}
    with pytest.raises(BadValueError, match=re.escape(f"sdmx: {SDMX_URL}: observation ") + ".*" + re.escape(message)):
        to_frame(observations, url=SDMX_URL, key=SDMX_KEY, area_scheme="iso3166_2", regions=regions)


OPENSDG_URL = "file:///clone/data/indicator_3-2-1.csv"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2021,,F,1e400", "line 3, column Value: " + BAD["1e400"]),
        ("2021,,F,Infinity", "line 3, column Value: " + BAD["Infinity"]),
        ("2021,,F,1e-20000", "line 3, column Value: " + BAD["1e-20000"]),
        ("2021,,F,12\x00", "line 3, column Value: " + BAD["12\x00"]),
        ("2021,,F\x00,12", "line 3, column SEX: 'F\\x00' contains the control character U+0000"),
    ],
)
def test_opensdg(line, message):
    content = f"Year,REF_AREA,SEX,Value\n2020,,F,12.5\n{line}\n".encode()
    with pytest.raises(BadValueError) as info:
        parse_indicator_csv(content, url=OPENSDG_URL, regions={})
    assert str(info.value).startswith(f"opensdg: {OPENSDG_URL}: {message}")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"value": "1e400"}, "row 3, column «Значение»: " + BAD["1e400"]),
        ({"value": "-Infinity"}, "row 3, column «Значение»: '-Infinity' is not a finite number"),
        ({"value": "1e-20000"}, "row 3, column «Значение»: " + BAD["1e-20000"]),
        ({"value": "1\x07"}, "row 3, column «Значение»: " + BAD["1\x07"]),  # NUL bytes: read.py refuses the file
        ({"unit": "процент\x07"}, "row 3, column «Единица измерения»: 'процент\\x07' contains the control character"),
    ],
)
def test_files(cells, message):
    content = csv_bytes([row(year=2023), row(**cells)])
    url = "file:///inbox/health_2025.csv"
    with pytest.raises(SourceError, match=re.escape(f"health_2025.csv, {message}")):
        parse_report(content, file_name="health_2025.csv", url=url, is_known_kato=KNOWN_KATO.__contains__)


# --- end to end ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1e-20000", "12\x00", "1e400"])
def test_ingest_series_fails_the_series_keeps_the_snapshot_and_loads_nothing(engine, tmp_path: Path, bad):
    """A local clone of the platform (synthetic copy of the bundled sample) with one bad value."""
    sample = config.SAMPLES_DIR / "opensdg" / "data" / "indicator_16-6-2-2.csv"
    (tmp_path / "data").mkdir()
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rsplit(",", 1)[0] + f",{bad}\n"  # line 3, column Value
    target = tmp_path / "data" / sample.name
    target.write_text("".join(lines), encoding="utf-8")
    series = next(s for s in load_series() if s.source == "opensdg" and s.params["indicator_id"] == "16-6-2-2")
    with pytest.raises(BadValueError) as info:
        ingest_series(engine, series, OpenSdgSource(base_url=str(tmp_path)))
    assert str(info.value).startswith(f"opensdg: {target.resolve().as_uri()}: line 3, column Value: {bad!r} ")
    with engine.connect() as conn:
        snapshot = conn.execute(text("SELECT series_key, loaded_at, load_error, storage_path FROM sdg.snapshot")).one()
        assert conn.execute(text("SELECT count(*) FROM sdg.observation")).scalar() == 0
    assert snapshot.series_key == series.series_key and snapshot.loaded_at is None
    assert snapshot.load_error.startswith("BadValueError: opensdg: ") and "line 3, column Value" in snapshot.load_error
    assert Path(snapshot.storage_path).read_bytes() == target.read_bytes()  # the raw answer is kept as it came
    with pytest.raises(BadValueError):  # a re-run fails the same way (nothing to retry) and still loads nothing
        ingest_series(engine, series, OpenSdgSource(base_url=str(tmp_path)))


def test_cli_ingest_goes_on_after_a_bad_value(engine, tmp_path: Path, monkeypatch, capsys):
    """``sdg ingest`` names the failed series, loads the next one and exits non-zero, without a traceback."""
    from etl import cli

    clone = tmp_path / "clone"
    shutil.copytree(config.SAMPLES_DIR / "opensdg", clone)
    bad = clone / "data" / "indicator_16-6-2-2.csv"
    lines = bad.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rsplit(",", 1)[0] + ",1e400\n"
    bad.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setenv("SDG_OPENSDG_URL", str(clone))
    code = cli.main(["ingest", "--source", "opensdg", "--series", "opensdg:16-6-2-2", "opensdg:3-2-1"])
    out = capsys.readouterr()
    assert code != 0 and "Traceback" not in out.out + out.err
    assert "opensdg:16-6-2-2" in out.out + out.err and "'1e400' is not a finite number" in out.out + out.err
    with engine.connect() as conn:
        loaded = conn.execute(
            text("SELECT DISTINCT s.series_key FROM sdg.observation JOIN sdg.series s USING (series_id)")
        ).scalars()
        assert list(loaded) == ["opensdg:3-2-1"]
