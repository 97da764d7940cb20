"""Issue 9, point 3: a CSV row wider or narrower than its header is never read silently; skipped and doubtful rows
become warnings with counts, stored on the snapshot.

Bodies are synthetic, in the real formats (Open SDG ``indicator_*.csv``; the responsible bodies' template
as CSV/XLSX); the last tests read the real platform repository under /work/shared when it is present.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.catalogue.model import load_regions
from etl.sources.errors import SourceError
from etl.sources.files.parse import parse_report
from etl.sources.opensdg import parse as p
from etl.sources.opensdg.parse import parse_indicator_csv
from etl.warehouse.parse_warnings import MAX_SAMPLES, parse_warnings, record_parse_warnings
from tests.files_helpers import HEADER, KNOWN_KATO, csv_bytes, row, xlsx_bytes

URL = "http://127.0.0.1:1/opensdg/data/indicator_9-9-9.csv"
REGIONS = {r.opensdg_code: r.kato_code for r in load_regions() if r.opensdg_code}
REPO = Path(__file__).resolve().parents[2] / "shared" / "data" / "kazstat-sdg-data"


def opensdg(body: str):
    return parse_indicator_csv(body.encode("utf-8"), url=URL, regions=REGIONS)


# ---- Open SDG ----------------------------------------------------------------------------------------


def test_decimal_comma_in_an_opensdg_file_fails_loudly_naming_url_line_and_columns():
    with pytest.raises(SourceError) as caught:
        opensdg("Year,SEX,Value\n2019,,44\n2020,,45,5\n")
    message = str(caught.value)
    assert URL in message and "line 3: 4 cells under a header of 3 columns ['Year', 'SEX', 'Value']" in message
    assert "value '5' in column 4" in message and "decimal comma?" in message


def test_a_wider_row_is_an_error_even_when_its_extra_cells_are_empty():
    # a decimal comma before the last column: 45 would load under Value and '5' as SEX
    with pytest.raises(SourceError, match=r"line 2: 4 cells under a header of 3 columns .*extra empty cells \[4\]"):
        opensdg("Year,Value,SEX\n2020,45,5,\n")


def test_short_rows_are_skipped_counted_and_warned_with_the_line():
    result = opensdg("Year,UNIT_MEASURE,REF_AREA,Value\n2019,PT,32.8\n2019,PT,KZAKM,29.7\n2020,PT,41.0\n")
    assert result.frame["value"].tolist() == [Decimal("29.7")]
    assert result.warnings == {p.SHORT_ROW: 2}
    assert result.warning_samples[p.SHORT_ROW][0] == "line 2: 3 of 4 cells, skipped: ['2019', 'PT', '32.8']"


def test_geocode_contradicting_ref_area_is_counted_and_the_row_still_loads():
    body = (
        "Year,REF_AREA,GeoCode,Value\n"
        "2020,KZAKM,KZ03,1\n"  # Akmola's own polygon
        "2020,KZAKT,KZ03,2\n"  # Aktobe linked to Akmola's: contradiction
        "2020,KZABY,KZ15,3\n"  # Abai (2022) linked to East Kazakhstan, its parent: accepted
        "2021,KZABY,KZ18,4\n"  # Abai linked to Shymkent: contradiction
        "2020,,KZ05,5\n"  # the Republic total linked to a region: contradiction
        "2020,KZBOR,KZ03,6\n"  # a monitoring post: not judged (and not loaded: no KATO)
        "2021,KZNS,,7\n"  # no link: nothing to contradict
    )
    result = opensdg(body)
    assert result.warnings == {p.GEOCODE_CONTRADICTION: 3}
    assert result.warning_samples[p.GEOCODE_CONTRADICTION] == [
        "line 3: REF_AREA 'KZAKT' but GeoCode 'KZ03'",
        "line 5: REF_AREA 'KZABY' but GeoCode 'KZ18'",
        "line 6: REF_AREA '(total)' but GeoCode 'KZ05'",
    ]
    assert len(result.frame) == 6


def test_a_clean_file_has_no_warnings():
    result = opensdg("Year,REF_AREA,GeoCode,Value\n2020,KZAKM,KZ03,1\n")
    assert result.warnings == {} and result.warning_samples == {}


@pytest.mark.skipif(not (REPO / "data").is_dir(), reason=f"real Open SDG data not present at {REPO}")
def test_real_platform_warnings_are_counted():
    """Counted independently with plain csv in test_opensdg_real_data: five short rows; GeoCode by hand above."""
    totals: dict[str, int] = {}
    per_file = {}
    for path in sorted((REPO / "data").glob("indicator_*.csv")):
        result = parse_indicator_csv(path.read_bytes(), url=path.as_uri(), regions=REGIONS)
        per_file[path.stem] = result.warnings
        for kind, count in result.warnings.items():
            totals[kind] = totals.get(kind, 0) + count
    assert per_file["indicator_4-c-1-2"] == {p.SHORT_ROW: 4} and per_file["indicator_8-6-1"] == {p.SHORT_ROW: 1}
    assert totals[p.SHORT_ROW] == 5
    contradicting = {k for k, w in per_file.items() if p.GEOCODE_CONTRADICTION in w}
    assert contradicting == {"indicator_17-3-1-3", "indicator_2-3-1"}  # as docs/sources.md says
    assert per_file["indicator_17-3-1-2"] == {}  # has a GeoCode column, all consistent


# ---- responsible bodies' files -----------------------------------------------------------------------


def report(content: bytes, name: str = "report.csv"):
    return parse_report(content, file_name=name, url=f"file:///inbox/{name}", is_known_kato=KNOWN_KATO.__contains__)


def test_decimal_comma_in_a_comma_separated_report_fails_naming_file_row_and_column():
    good = csv_bytes([row(value="12.5")])
    bad = good + b"3.3.1,710000000,x,2023,45,5,\xd0\xbf\xd1\x80\xd0\xbe\xd1\x86\xd0\xb5\xd0\xbd\xd1\x82,,t,\r\n"
    with pytest.raises(SourceError) as caught:
        report(bad)
    message = str(caught.value)
    assert "report.csv: 1 row(s) do not have the header's 9 cells" in message
    assert "row 3 has 10 cells, beyond the header: column 10 ''" in message and "decimal comma?" in message


def test_quoted_decimal_comma_and_semicolon_files_load_45_5():
    for content in (csv_bytes([row(value="45,5")]), csv_bytes([row(value="45,5")], delimiter=";")):
        assert report(content).frame["value"].tolist() == [Decimal("45.5")]


def test_a_narrower_csv_row_names_the_missing_columns():
    short = csv_bytes([row()]) + b"3.3.1,710000000,x,2023,12\r\n"
    with pytest.raises(SourceError, match=r"row 3 has 5 cells, missing: «Единица измерения», «Разрез», «Источник»"):
        report(short)


def test_every_wrong_width_row_is_listed():
    body = csv_bytes([row()]) + b"".join(b"3.3.1,710000000,x,%d,1,2,3,4,5,6\r\n" % y for y in range(2000, 2025))
    with pytest.raises(SourceError, match=r"25 row\(s\) do not have the header's 9 cells, first 20 shown") as caught:
        report(body)
    assert "row 22 " in str(caught.value) and "row 23 " not in str(caught.value)


def test_a_value_under_no_header_title_is_a_problem_in_xlsx_too():
    content = xlsx_bytes([[*row(), None, "45"]], header=[*HEADER, None, None])
    with pytest.raises(SourceError, match=r"report.xlsx, row 2, column 11: value '45' is under no header title"):
        report(content, "report.xlsx")


# ---- stored on the snapshot --------------------------------------------------------------------------


def snapshot(conn) -> int:
    key = conn.execute(text("SELECT series_key FROM sdg.series WHERE source = 'opensdg' LIMIT 1")).scalar_one()
    return conn.execute(
        text(
            "INSERT INTO sdg.snapshot (source, series_key, sha256, url, fetched_at, http_status, size_bytes, "
            "storage_path) VALUES ('opensdg', :k, repeat('b', 64), 'http://test/', :t, 200, 1, '/dev/null') "
            "RETURNING snapshot_id"
        ),
        {"k": key, "t": datetime(2026, 3, 1, tzinfo=UTC)},
    ).scalar_one()


def test_parse_warnings_are_stored_replaced_and_listed(engine):
    result = opensdg(
        "Year,REF_AREA,GeoCode,Value\n2019,32.8\n" + "".join(f"{y},KZAKT,KZ03,1\n" for y in range(2000, 2010))
    )
    with engine.begin() as conn:
        snap = snapshot(conn)
        assert parse_warnings(conn, snap) == {}
        stored = record_parse_warnings(conn, snap, result.warnings, result.warning_samples)
    assert stored == {
        p.GEOCODE_CONTRADICTION: {
            "count": 10,
            "samples": [f"line {n}: REF_AREA 'KZAKT' but GeoCode 'KZ03'" for n in range(3, 3 + MAX_SAMPLES)],
        },
        p.SHORT_ROW: {"count": 1, "samples": ["line 2: 2 of 4 cells, skipped: ['2019', '32.8']"]},
    }
    with engine.begin() as conn:
        assert parse_warnings(conn, snap) == stored
        listed = conn.execute(
            text("SELECT kind, row_count FROM sdg.snapshot_parse_warning WHERE snapshot_id = :s ORDER BY 1"),
            {"s": snap},
        ).all()
        assert [tuple(r) for r in listed] == [(p.GEOCODE_CONTRADICTION, 10), (p.SHORT_ROW, 1)]
        # a re-run of the snapshot stores the same, once; a NUL quoted from a bad row is kept readable
        record_parse_warnings(conn, snap, {p.SHORT_ROW: 1, "other": 0}, {p.SHORT_ROW: ["line 2: 'a\x00b'"]})
        assert parse_warnings(conn, snap) == {p.SHORT_ROW: {"count": 1, "samples": ["line 2: 'a\\x00b'"]}}


def test_bad_counts_and_unknown_snapshots_are_errors(engine):
    with engine.begin() as conn:
        snap = snapshot(conn)
        with pytest.raises(ValueError, match=f"snapshot {snap}: parse warning 'short_row' has count -1"):
            record_parse_warnings(conn, snap, {p.SHORT_ROW: -1})
        with pytest.raises(LookupError, match="snapshot 987654321 does not exist"):
            record_parse_warnings(conn, 987654321, {p.SHORT_ROW: 1})
