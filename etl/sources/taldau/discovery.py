"""Find a Taldau series' dictionary set, total terms and unit from the API itself.

A series is declared by index id and period type. ``GetIndexData`` answers an empty list unless asked
for the segment's full dictionary set, so the set comes from ``GetSegmentList`` (the segment that has
the region dictionary; the fewest dictionaries if several do), its root terms are the totals of the
other dictionaries, and the unit is ``measureName`` from ``GetIndexAttributes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.sources.errors import SourceError
from etl.sources.http import Fetched
from etl.sources.taldau.parse import REGION_DICTIONARIES, SOURCE, decode_json


@dataclass(frozen=True)
class Segment:
    dics: tuple[int, ...]
    total_terms: tuple[int, ...]  # root term of each non-region dictionary, in dics order
    names: str = ""


def offered_periods(fetched: Fetched) -> dict[int, str]:
    """``GetPeriodList`` → {period id: name}."""
    data = decode_json(fetched.content, fetched.url)
    if not isinstance(data, list) or not all(isinstance(p, dict) and "id" in p for p in data):
        raise SourceError(SOURCE, fetched.url, "expected a list of {'id', 'name'} period types")
    return {int(p["id"]): str(p.get("name", "")) for p in data}


def region_segment(fetched: Fetched) -> Segment:
    """``GetSegmentList`` → the segment to request: has a region dictionary, fewest dictionaries."""
    data = decode_json(fetched.content, fetched.url)
    if not isinstance(data, list) or not data:
        raise SourceError(SOURCE, fetched.url, "expected a non-empty list of segments")
    segments = [_segment(item, i, fetched.url) for i, item in enumerate(data)]
    regional = [s for s in segments if REGION_DICTIONARIES & set(s.dics)]
    if not regional:
        found = [s.dics for s in segments]
        raise SourceError(SOURCE, fetched.url, f"no segment has a region dictionary (67/68); segments: {found}")
    return min(regional, key=lambda s: len(s.dics))


def unit_name(fetched: Fetched) -> str | None:
    """``GetIndexAttributes`` → the unit as published (``measureName``), if any."""
    data = decode_json(fetched.content, fetched.url)
    if not isinstance(data, dict):
        raise SourceError(SOURCE, fetched.url, "expected an object with the index attributes")
    name = str(data.get("measureName") or "").strip()
    return name or None


def _segment(item: object, index: int, url: str) -> Segment:
    if not isinstance(item, dict) or "dicId" not in item or "termIds" not in item:
        raise SourceError(SOURCE, url, f"segment {index}: expected keys 'dicId' and 'termIds'")
    try:
        dics = tuple(int(part) for part in str(item["dicId"]).split("+"))
        roots = tuple(int(part) for part in str(item["termIds"]).replace("+", ",").split(",") if part.strip())
    except ValueError as exc:
        raise SourceError(SOURCE, url, f"segment {index}: non-numeric dicId/termIds {item!r}") from exc
    if len(roots) != len(dics):
        raise SourceError(SOURCE, url, f"segment {index}: {len(dics)} dictionaries but root terms {roots}")
    totals = tuple(t for d, t in zip(dics, roots, strict=True) if d not in REGION_DICTIONARIES)
    return Segment(dics, totals, str(item.get("names", "")).strip())
