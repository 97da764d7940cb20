"""Taldau discovery: a series declared by index and period finds its dictionaries, totals and unit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from etl.catalogue.model import load_series
from etl.sources.errors import SourceError
from etl.sources.http import Fetched
from etl.sources.replay import Faults, ReplayServer
from etl.sources.series import Series
from etl.sources.taldau import discovery
from etl.sources.taldau.client import TaldauClient
from etl.sources.taldau.source import TaldauSource

URL = "http://taldau.test/ru/Api/GetSegmentList?indexId=1&periodId=7"


def _answer(payload: object) -> Fetched:
    return Fetched(URL, {}, 200, json.dumps(payload, ensure_ascii=False).encode(), "application/json")


def _series(**params) -> Series:
    base = {"index_id": 702846, "period_id": 7, "dics": [], "total_terms": [], "breakdown": {}}
    return Series("taldau:test", "taldau", None, "", "direct", Decimal(1), "", {**base, **params})


def test_the_region_segment_with_fewest_dictionaries_is_chosen():
    # synthetic answer in the reference shape (GetSegmentList.copied_from_doc_comments.json)
    segments = [
        {"dicId": "915", "termIds": " 741885"},
        {"dicId": "67 + 576 + 749", "termIds": " 741880,741935,741917"},
        {"dicId": "67 + 576", "termIds": " 741880,741935"},
    ]
    found = discovery.region_segment(_answer(segments))
    assert (found.dics, found.total_terms) == ((67, 576), (741935,))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([{"dicId": "915", "termIds": "741885"}], "no segment has a region dictionary"),
        ([{"dicId": "67 + 576", "termIds": "741880"}], "2 dictionaries but root terms"),
        ([{"dicId": "67 + abc", "termIds": "1,2"}], "non-numeric dicId/termIds"),
        ([{"names": "Регионы"}], "expected keys 'dicId' and 'termIds'"),
        ([], "expected a non-empty list of segments"),
    ],
)
def test_broken_segment_lists_name_url_and_reason(payload, reason):
    with pytest.raises(SourceError, match=reason) as info:
        discovery.region_segment(_answer(payload))
    assert info.value.url == URL


def test_unit_and_periods_come_from_the_api():
    assert discovery.unit_name(_answer({"measureName": " процент "})) == "процент"
    assert discovery.unit_name(_answer({"measureName": ""})) is None
    assert discovery.offered_periods(_answer([{"id": 7, "name": "Год"}, {"id": 9, "name": "Кв"}])) == {
        7: "Год",
        9: "Кв",
    }


def test_discovered_series_fetches_with_the_segment_and_the_attribute_unit():
    """Against the replay server: three discovery requests, then GetIndexData with the found dictionaries."""
    declared = next(s for s in load_series() if s.series_key == "taldau:705120:p7")
    assert declared.params["dics"] == [] and declared.unit_ru == ""  # left to discovery in the catalogue
    faults = Faults()
    with ReplayServer(faults=faults) as server:
        source = TaldauSource(TaldauClient(server.url_for("taldau")))
        (fetched,) = list(source.fetch(declared))
        requests = list(faults.requests)
        unit = source.resolve(declared).unit
    assert fetched.params == {"period": "7", "dics": "67"}
    assert [r.split("?")[0].rsplit("/", 1)[-1] for r in requests] == [
        "GetPeriodList",
        "GetSegmentList",
        "GetIndexAttributes",
        "705120",
    ]
    attributes = json.loads((server_root() / "GetIndexAttributes" / "705120-p7.json").read_text(encoding="utf-8"))
    assert unit == attributes["measureName"] and unit


def test_a_period_type_the_index_lacks_is_an_error_naming_what_is_offered():
    with ReplayServer() as server:
        source = TaldauSource(TaldauClient(server.url_for("taldau")))
        with pytest.raises(SourceError, match=r"not published for period type 4; offered: \{7: 'Год'"):
            list(source.fetch(_series(period_id=4)))


def test_breakdown_keeps_a_dictionary_as_dims():
    """Declaring 576=SEX keeps the sex rows of the sample as SEX=<code> next to the total."""
    from etl.catalogue.model import load_regions
    from etl.sources.taldau.parse import parse_index_data

    content = (server_root() / "GetIndexData" / "702846-p7-d67_576.json").read_bytes()
    rows = json.loads(content.decode("utf-8-sig"))
    terms = {r.taldau_term_id: r.kato_code for r in load_regions() if r.taldau_term_id}
    result = parse_index_data(
        content,
        url=URL,
        period_id=7,
        dics=[67, 576],
        total_terms=[741935],
        region_terms=terms,
        breakdown={576: "SEX"},
    )
    names = {r["termNames"][1] for r in rows}
    assert result.skipped_rows == 0
    assert len(result.frame) == sum(len(r["periods"]) for r in rows if r["terms"][0] in terms)
    expected = {""} | {f"SEX={'M' if n == 'Мужчины' else 'F'}" for n in names if n in ("Мужчины", "Женщины")}
    assert set(result.frame["dims"]) == expected


def server_root():
    from etl import config

    return config.SAMPLES_DIR / "taldau"
