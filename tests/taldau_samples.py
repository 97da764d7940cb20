"""Test helper: the dictionary set and totals each sample series really has (declared or discovered).

A series declared without ``dics`` is discovered from the sample ``GetSegmentList`` answer; tests read
that answer here with plain json, independently of ``etl.sources.taldau.discovery``.
"""

from __future__ import annotations

import json

from etl import config

SAMPLES = config.SAMPLES_DIR / "taldau"


def segment_of(index_id: int | str, period_id: int | str, dics: list | str = "", totals: list | str = ""):
    """(dics, totals) as int lists: the declared ones, else the region segment of the sample answer."""
    if isinstance(dics, str):
        dics = [int(d) for d in dics.split(",") if d]
        totals = [int(t) for t in str(totals).split(";") if t]
    if dics:
        return list(dics), list(totals)
    answer = json.loads((SAMPLES / "GetSegmentList" / f"{index_id}-p{period_id}.json").read_text(encoding="utf-8"))
    segment = min((s for s in answer if "67" in s["dicId"].split(" + ")), key=lambda s: s["dicCount"])
    found = [int(d) for d in segment["dicId"].split("+")]
    roots = [int(t) for t in segment["termIds"].split(",")]
    return found, [t for d, t in zip(found, roots, strict=True) if d != 67]


def sample_file(index_id, period_id, dics) -> str:
    return f"{index_id}-p{period_id}-d{'_'.join(map(str, dics))}.json"
