"""Open SDG indicator CSVs into observations: regions, dims, units, totals, quirks of the real files, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from etl.catalogue.model import load_regions
from etl.sources.errors import SourceError
from etl.sources.opensdg import parse as p
from etl.sources.opensdg.parse import parse_indicator_csv

URL = "http://127.0.0.1:1/opensdg/data/indicator_9-9-9.csv"
REGIONS = {r.opensdg_code: r.kato_code for r in load_regions() if r.opensdg_code}


def parse(body: str | bytes, **kwargs):
    content = body.encode("utf-8") if isinstance(body, str) else body
    return parse_indicator_csv(content, url=URL, regions=REGIONS, **kwargs)


def rows(body: str | bytes) -> list[tuple]:
    frame = parse(body).frame
    return list(frame[["kato_code", "dims", "value", "obs_status", "unit"]].itertuples(index=False, name=None))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Year,Value\n2020,1.5\n", [("000000000", "", Decimal("1.5"), "A", None)]),
        (
            "Year,UNIT_MEASURE,REF_AREA,Value\n2020,PT,,2\n2020,PT,KZAKM,3\n",
            [
                ("000000000", "UNIT_MEASURE=PT", Decimal(2), "A", "PT"),
                ("110000000", "UNIT_MEASURE=PT", Decimal(3), "A", "PT"),
            ],
        ),
        ("Year,REF_AREA,Value\n2017,KZONT,4\n", [("510000000", "", Decimal(4), "A", None)]),  # South Kazakhstan
        ("Year,REF_AREA,Value\n2019,KZYUZ,4\n", [("610000000", "", Decimal(4), "A", None)]),  # Turkestan
        ("\ufeffYear,Value\n2020,1\n", [("000000000", "", Decimal(1), "A", None)]),  # BOM
        ("\ufeff\ufeffYear,Value\r\n2020,1\r\n", [("000000000", "", Decimal(1), "A", None)]),  # \ufeffYear after decode
        ("Year,Units,Value\n2020,PT,7", [("000000000", "UNIT_MEASURE=PT", Decimal(7), "A", "PT")]),  # older name
        (
            "Year,SEX,URBANISATION,AGE,Value\n2020,,,,1\n2020,F,U,Y15T24,2\n2020,_T,,,1\n",
            [("000000000", "", Decimal(1), "A", None), ("000000000", "AGE=Y15T24|SEX=F|URBANISATION=U", 2, "A", None)],
        ),
        ("Year,REF_AREA,GeoCode,Value\n2020,KZNS,KZ03,1\n", [("710000000", "", Decimal(1), "A", None)]),
        ("Year,UNIT_MEASURE,Value,,\n2020,PT,1,,\n", [("000000000", "UNIT_MEASURE=PT", Decimal(1), "A", "PT")]),
        ("Year,Value\n2020, 0.0 \n2021,\n2022,x\n2023,abc\n", None),
    ],
)
def test_rows(body, expected):
    if expected is None:
        assert [r[2:4] for r in rows(body)] == [
            (Decimal("0.0"), "A"),
            (None, "missing"),
            (None, "suppressed"),
            (None, "invalid"),
        ]
        return
    assert rows(body) == expected


def test_periods_are_calendar_years_and_text_is_kept():
    frame = parse("Year,Value\n2019,12.50\n").frame
    assert frame.iloc[0][["period_start", "period_end", "frequency", "value_text"]].tolist() == [
        date(2019, 1, 1),
        date(2019, 12, 31),
        "A",
        "12.50",
    ]


def test_series_unit_fills_rows_without_a_unit_code():
    frame = parse("Year,UNIT_MEASURE,Value\n2020,,1\n2021,PT,2\n", unit="процент").frame
    assert frame["unit"].tolist() == ["процент", "PT"]


def test_unmapped_regions_are_counted_not_loaded():
    result = parse("Year,REF_AREA,Value\n2020,KZAKM,1\n2020,KZBOR,2\n2021,KZBOR,3\n")
    assert result.frame["kato_code"].tolist() == ["110000000"]
    assert result.unmapped_regions == {"KZBOR": ""}
    assert result.skipped == {p.UNMAPPED_REGION: 2} and result.skipped_rows == 2 and result.rows_read == 3


def test_short_rows_are_skipped_and_named():
    result = parse("Year,UNIT_MEASURE,REF_AREA,Value\n2019,PT,32.8\n2019,PT,KZAKM,29.7\n")
    assert result.frame["kato_code"].tolist() == ["110000000"]
    assert result.skipped == {p.SHORT_ROW: 1}
    assert "line 2: 3 of 4 cells" in result.notes[0]


def test_blank_lines_are_not_rows():
    result = parse("Year,Value\n\n2020,1\n,\n")
    assert len(result.frame) == 1 and result.rows_read == 1 and result.skipped_rows == 0


def test_identical_duplicates_load_once():
    result = parse("Year,SEX,Value\n2020,F,41.1\n2020,F,41.1 \n2020,M,1\n")
    assert result.frame["value"].tolist() == [Decimal("41.1"), Decimal(1)]
    assert result.skipped == {p.IDENTICAL_DUPLICATE: 1}


def test_conflicting_duplicates_load_as_invalid_with_both_texts():
    result = parse("Year,REF_AREA,Value\n2022,KZZHS,18.9\n2022,KZULU,1\n2022,KZZHS,19.3\n")
    first = result.frame.iloc[0]
    assert first["kato_code"] == "330000000" and first["value"] is None and first["obs_status"] == "invalid"
    assert first["value_text"] == "conflicting values: line 2: '18.9'; line 4: '19.3'"
    assert result.skipped == {p.CONFLICTING_DUPLICATE: 1} and len(result.frame) == 2
    assert "lines [2, 4]" in result.notes[0]


def test_header_only_file_is_empty_not_an_error():
    assert parse("Year,Units,Value").frame.empty


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html><body>502</body></html>", "HTML page instead of CSV"),
        ("Year,Value\n2020,5\n".encode("cp1251") + "2021,\u0445\n".encode("cp1251"), "not UTF-8"),
        ("Year,Val\n2020,1\n", "lacks the 'Value' column"),
        ("Value\n1\n", "lacks the 'Year' column"),
        ("Year,SEX,SEX,Value\n", r"repeats columns \['SEX'\]"),
        ("Year,UNIT_MEASURE,Units,Value\n", "two unit columns"),
        ("Year,SEX=1,Value\n", "unexpected column names"),
        ("Year,Value\n2015-2017,1\n", "line 2: Year '2015-2017' is not a plain four-digit year"),
        ("Year,Value\n2020.0,1\n", "not a plain four-digit year"),
        ("Year,Value,\n2020,1,oops\n", "line 2: value 'oops' in column 3, which has no header name"),
        ("Year,Value\n2020,1,2\n", "value '2' in column 3"),
        ("Year,SEX,Value\n2020,F|M,1\n", "contains '|' or '='"),
        ('Year,Value\n2020,"1\n', "malformed CSV"),
        ("Year,REF_AREA,Value\n2020,KZAKM,1\n2020,KZ", "truncated body: last line 3 has 2 of 3 cells"),
        ("Year,REF_AREA,Value\n2020,KZAKM,1\n2020,KZAKT,", "truncated body: last line 3 has 3 of 3 cells and an empty"),
    ],
)
def test_errors_name_source_url_and_reason(body, reason):
    with pytest.raises(SourceError, match=reason) as info:
        parse(body)
    assert str(info.value).startswith(f"opensdg: {URL}: ")
