"""A minimal SDMX-JSON data-message reader (1.0 for SDMX 2.1, 2.0 for SDMX 3.0).

Why not sdmx1's JSON reader: in sdmx1 2.28 it reads series-level attributes from the data set element
(so UNIT_MEASURE/UNIT_MULT attached to series are lost), ignores data-set-level attributes, and turns
values into floats (the published text is gone). This reader keeps numbers as their JSON text
(``parse_float=str``; ``NaN``/``Infinity`` too) and resolves the index-encoded keys and attributes at all three levels.
"""

from __future__ import annotations

import json
from typing import Any

from etl.sources.errors import SourceError
from etl.sources.sdmx.records import TIME_DIMENSION, Observations, RawObs

SOURCE = "sdmx"
LEVELS = ("dataSet", "series", "observation")


def read_json(text: str, url: str) -> Observations:
    try:
        tree = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise SourceError(
            SOURCE, url, f"invalid or truncated JSON at char {exc.pos} of {len(text)}: {exc.msg}"
        ) from exc
    if not isinstance(tree, dict):
        raise SourceError(SOURCE, url, f"expected an SDMX-JSON object, got {type(tree).__name__}")
    if "errors" in tree and "dataSets" not in tree and "data" not in tree:
        raise SourceError(SOURCE, url, f"answered an SDMX-JSON error message: {str(tree['errors'])[:200]}")
    try:
        return _read(tree)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise SourceError(SOURCE, url, f"not an SDMX-JSON data message ({type(exc).__name__}: {exc})") from exc


def _read(tree: dict) -> Observations:
    if "structure" in tree:  # SDMX-JSON 1.0
        structures, datasets = [tree["structure"]], tree["dataSets"]
    else:  # SDMX-JSON 2.0
        structures, datasets = tree["data"]["structures"], tree["data"]["dataSets"]
    result = Observations()
    for ds in datasets:
        structure = structures[int(ds.get("structure", 0))]
        dims = {level: structure["dimensions"].get(level, []) for level in LEVELS}
        attrs = {level: structure["attributes"].get(level, []) for level in LEVELS}
        result.dimensions = _key_order(dims)
        base_key = {d["id"]: _code(d["values"][0]) for d in dims["dataSet"]}
        base_attrs = _attrs(attrs["dataSet"], ds.get("attributes") or [])
        for series_key, series in (ds.get("series") or {}).items():
            key = {**base_key, **_key(dims["series"], series_key)}
            series_attrs = {**base_attrs, **_attrs(attrs["series"], series.get("attributes") or [])}
            result.records.extend(_observations(series, dims["observation"], attrs["observation"], key, series_attrs))
        result.records.extend(_observations(ds, dims["observation"], attrs["observation"], base_key, base_attrs))
    return result


def _observations(elem: dict, dims: list, attrs: list, key: dict, attached: dict) -> list[RawObs]:
    out = []
    for obs_key, values in (elem.get("observations") or {}).items():
        value = values[0] if values else None
        own = _attrs(attrs, values[1:])
        out.append(RawObs({**key, **_key(dims, obs_key)}, None if value is None else str(value), {**attached, **own}))
    return out


def _key(dims: list, encoded: str) -> dict[str, str]:
    indices = [int(i) for i in encoded.split(":")] if encoded != "" else []
    if len(indices) != len(dims):
        raise ValueError(f"key {encoded!r} has {len(indices)} positions for {len(dims)} dimensions")
    return {d["id"]: _code(d["values"][i]) for d, i in zip(dims, indices, strict=True)}


def _attrs(attrs: list, indices: list) -> dict[str, str]:
    out = {}
    for attr, index in zip(attrs, indices, strict=False):
        if index is not None:
            out[attr["id"]] = _code(attr["values"][int(index)])
    return out


def _code(value: dict[str, Any]) -> str:
    for name in ("id", "value", "name"):
        if name in value:
            found = value[name]
            return str(found.get("en", next(iter(found.values()))) if isinstance(found, dict) else found)
    raise ValueError(f"value without id/value/name: {value!r}")


def _key_order(dims: dict[str, list]) -> list[str]:
    every = [d for level in LEVELS for d in dims[level]]
    ordered = sorted(every, key=lambda d: d.get("keyPosition", len(every)))
    return [d["id"] for d in ordered if d["id"] != TIME_DIMENSION]
