"""Taldau GetIndexData answers into observations: reference-shaped samples, periods, and broken answers."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from taldau_samples import segment_of

from etl import config
from etl.catalogue.model import load_regions, load_series
from etl.sources.errors import SourceError
from etl.sources.taldau.parse import parse_index_data
from etl.sources.taldau.periods import period_bounds

SAMPLES = config.SAMPLES_DIR / "taldau" / "GetIndexData"
URL = "http://taldau.test/ru/Api/GetIndexData/704460?period=7&dics=67"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def region_terms() -> dict[int, str]:
    return {r.taldau_term_id: r.kato_code for r in load_regions() if r.taldau_term_id}


def _series_for(index_id: int):
    return next(s for s in load_series() if s.source == "taldau" and s.params["index_id"] == index_id)


def _totals(series) -> list[int]:
    p = series.params
    return segment_of(p["index_id"], p["period_id"], p["dics"], p["total_terms"])[1]


def _sample(name: str) -> tuple[bytes, list]:
    content = (SAMPLES / name).read_bytes()
    return content, json.loads(content.decode("utf-8-sig"))


def _expected_value(text: str) -> tuple[Decimal | None, str]:
    """The published forms that occur in the samples, read independently of the parser."""
    token = text.strip()
    if token.lower() in ("x", "х"):
        return None, "suppressed"
    if token in ("", "-"):
        return None, "missing"
    return Decimal(token.replace(",", ".")), "A"


def _parse(content: bytes, name: str, region_terms, **overrides):
    index_id = int(name.split("-")[0])
    p = _series_for(index_id).params
    dics, totals = segment_of(index_id, p["period_id"], p["dics"], p["total_terms"])
    kwargs = dict(
        url=URL,
        period_id=p["period_id"],
        dics=dics,
        total_terms=totals,
        region_terms=region_terms,
    )
    kwargs.update(overrides)
    return parse_index_data(content, **kwargs)


def test_bom_sample_really_starts_with_a_bom(region_terms):
    content, rows = _sample("704460-p7-d67.json")
    assert content.startswith(BOM)
    with pytest.raises(json.JSONDecodeError):
        json.loads(content.decode("utf-8"))  # a plain decode keeps the BOM and json refuses it
    result = _parse(content, "704460-p7-d67.json", region_terms)
    assert len(result.frame) == sum(len(r["periods"]) for r in rows)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_samples_keep_only_declared_totals(name, region_terms):
    content, rows = _sample(name)
    series = _series_for(int(name.split("-")[0]))
    totals = _totals(series)
    kept = [r for r in rows if r["terms"][1:] == totals]
    assert kept, "the sample should contain the total cut"
    result = _parse(content, name, region_terms)
    assert result.skipped_rows == len(rows) - len(kept)
    assert result.unmapped_regions == {}
    assert len(result.frame) == sum(len(r["periods"]) for r in kept)

    by_cut = {(rec.kato_code, rec.period_end): rec for rec in result.frame.itertuples()}
    assert len(by_cut) == len(result.frame)
    for row in kept:
        kato = region_terms[row["terms"][0]]
        for period in row["periods"]:
            day, month, year = (int(part) for part in period["date"].split("."))
            rec = by_cut[(kato, date(year, month, day))]
            value, status = _expected_value(period["value"])
            assert rec.period_start == date(year, 1, 1)
            assert rec.frequency == "A"
            assert rec.obs_status == status, (kato, period)
            assert rec.value_text == period["value"]
            assert rec.dims == ""
            if value is None:
                assert rec.value is None
            else:
                assert rec.value == value


@pytest.mark.parametrize("name", ["702846-p7-d67_576.json", "4630524-p7-d67_749_576.json"])
def test_multi_dictionary_samples_really_have_other_cuts(name, region_terms):
    _, rows = _sample(name)
    other_cuts = {tuple(r["terms"][1:]) for r in rows}
    assert len(other_cuts) > 1
    totals = tuple(_totals(_series_for(int(name.split("-")[0]))))
    content = (SAMPLES / name).read_bytes()
    # declaring a different (non-total) cut keeps exactly that cut's rows instead
    other = sorted(c for c in other_cuts if c != totals)[0]
    result = _parse(content, name, region_terms, total_terms=other)
    wanted = [r for r in rows if tuple(r["terms"][1:]) == other]
    assert len(result.frame) == sum(len(r["periods"]) for r in wanted)
    assert result.skipped_rows == len(rows) - len(wanted)


def test_declared_totals_must_match_dictionaries(region_terms):
    content, _ = _sample("702846-p7-d67_576.json")
    with pytest.raises(ValueError, match="total term"):
        _parse(content, "702846-p7-d67_576.json", region_terms, total_terms=())


@pytest.mark.parametrize(
    ("period_id", "end", "start", "frequency"),
    [
        (4, "31.01.2024", date(2024, 1, 1), "M"),
        (4, "29.02.2024", date(2024, 2, 1), "M"),
        (4, "31.12.2023", date(2023, 12, 1), "M"),
        (5, "31.03.2024", date(2024, 1, 1), "Q"),
        (5, "30.06.2024", date(2024, 4, 1), "Q"),
        (5, "31.12.2024", date(2024, 10, 1), "Q"),
        (7, "31.12.2023", date(2023, 1, 1), "A"),
        (8, "31.05.2024", date(2024, 1, 1), "M"),
        (8, "31.01.2024", date(2024, 1, 1), "M"),
        (9, "30.09.2024", date(2024, 1, 1), "Q"),
        (9, "31.03.2024", date(2024, 1, 1), "Q"),
    ],
)
def test_period_bounds(period_id, end, start, frequency, region_terms):
    day, month, year = (int(p) for p in end.split("."))
    assert period_bounds(period_id, end) == (start, date(year, month, day))
    # the same through the parser, with the frequency it derives
    content = json.dumps([{"terms": [741880], "periods": [{"name": "p", "date": end, "value": "1"}]}]).encode()
    frame = parse_index_data(content, url=URL, period_id=period_id, dics=[67], region_terms=region_terms).frame
    assert list(frame[["period_start", "period_end", "frequency"]].itertuples(index=False, name=None)) == [
        (start, date(year, month, day), frequency)
    ]


def test_unknown_period_id_is_refused(region_terms):
    with pytest.raises(ValueError, match="unknown Taldau period id 6"):
        period_bounds(6, "31.12.2024")
    with pytest.raises(SourceError, match="unknown period id 6"):
        parse_index_data(b"[]", url=URL, period_id=6, dics=[67], region_terms=region_terms)


def _row(**changes) -> dict:
    row = {
        "terms": [741880],
        "termNames": ["РЕСПУБЛИКА КАЗАХСТАН"],
        "periods": [{"name": "2024 год", "date": "31.12.2024", "value": "4,7"}],
    }
    row.update(changes)
    return row


# Synthetic broken answers, in the shape Taldau (or a proxy in front of it) really sends.
BROKEN = [
    (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "HTML page instead of JSON.*502 Bad"),
    (BOM + b"  <html><title>Maintenance</title></html>", "HTML page instead of JSON"),
    ((SAMPLES / "704460-p7-d67.json").read_bytes()[:500], "invalid or truncated JSON at char"),
    (b"", "empty body"),
    (b"   \n", "empty body"),
    (json.dumps({"error": "index not found"}).encode(), "expected a JSON list of term rows, got dict"),
    (json.dumps([{"terms": [741880]}]).encode(), "row 0: expected keys 'terms' and 'periods', got \\['terms'\\]"),
    (json.dumps([_row(), "oops"]).encode(), "row 1: expected keys 'terms' and 'periods', got str"),
    (json.dumps([_row(periods={"a": 1})]).encode(), "row 0: 'periods' should be a list"),
    (json.dumps([_row(terms=[741880, 741935])]).encode(), "row 0: 'terms' should list 1 term ids"),
    (json.dumps([_row(terms=["abc"])]).encode(), "row 0: non-numeric term id"),
    (
        json.dumps([_row(periods=[{"name": "2024", "value": "1"}])]).encode(),
        "row 0, period 0: expected 'date' and 'value'",
    ),
    (
        json.dumps(
            [
                _row(),
                _row(
                    periods=[
                        {"name": "p", "date": "31.12.2024", "value": "1"},
                        {"name": "p", "date": "2024-12-31", "value": "1"},
                    ]
                ),
            ]
        ).encode(),
        "row 1, period 1: bad date '2024-12-31'",
    ),
    (json.dumps([_row(periods=[{"name": "p", "date": "32.12.2024", "value": "1"}])]).encode(), "bad date '32.12.2024'"),
]


@pytest.mark.parametrize(("content", "reason"), BROKEN)
def test_broken_answers_name_url_and_reason(content, reason, region_terms):
    with pytest.raises(SourceError, match=reason) as info:
        parse_index_data(content, url=URL, period_id=7, dics=[67], region_terms=region_terms)
    assert str(info.value).startswith(f"taldau: {URL}: ")
    assert info.value.url == URL


def test_bad_quarter_end_is_a_bad_date(region_terms):
    content = json.dumps([_row(periods=[{"name": "p", "date": "28.02.2024", "value": "1"}])]).encode()
    with pytest.raises(SourceError, match=re.escape(f"{URL}: row 0, period 0: bad date '28.02.2024'")):
        parse_index_data(content, url=URL, period_id=5, dics=[67], region_terms=region_terms)


def test_unknown_region_terms_are_counted_not_loaded(region_terms):
    # synthetic: the BOM sample with two region term ids replaced by ids no catalogue region has
    _, rows = _sample("704460-p7-d67.json")
    lost = {region_terms[rows[3]["terms"][0]], region_terms[rows[5]["terms"][0]]}
    rows[3]["terms"] = [11111111]
    rows[5]["terms"] = [22222222]
    changed = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    result = _parse(changed, "704460-p7-d67.json", region_terms)
    assert result.unmapped_regions == {"11111111": rows[3]["termNames"][0], "22222222": rows[5]["termNames"][0]}
    assert len(result.frame) == sum(len(r["periods"]) for r in rows) - len(rows[3]["periods"]) - len(rows[5]["periods"])
    assert not lost & set(result.frame["kato_code"])
    mapped = {region_terms[r["terms"][0]] for r in rows if r["terms"][0] in region_terms}
    assert set(result.frame["kato_code"]) == mapped


def test_missing_region_term_mapping_is_counted(region_terms):
    content, rows = _sample("702846-p7-d67_576.json")
    astana_term = next(t for t, kato in region_terms.items() if kato == "710000000")
    partial = {t: k for t, k in region_terms.items() if t != astana_term}
    result = _parse(content, "702846-p7-d67_576.json", partial)
    assert list(result.unmapped_regions) == [str(astana_term)]
    assert "710000000" not in set(result.frame["kato_code"])
    # only the total row of Astana is "unmapped"; its non-total rows count as skipped, as before
    assert result.skipped_rows == sum(1 for r in rows if r["terms"][1:] != [741935])


def test_region_dictionary_is_required(region_terms):
    with pytest.raises(SourceError, match=r"exactly one region dictionary \(67/68\)"):
        parse_index_data(b"[]", url=URL, period_id=7, dics=[576], total_terms=(), region_terms=region_terms)
