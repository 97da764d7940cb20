"""Region borders for the overview's maps: a GeoJSON boundary file turned into small SVG paths, one per region.

Why a file and not a bundled map: borders change (the 2022 regions) and the national platform ships its own
layer (``regions.geojson``, 17 polygons of 2018, ``kzCode`` ``KZ01``…); ``SDG_BOUNDARY_FILE`` names the file
in use. A feature is matched to a region by any of its property values: the region's KATO code or one of its
outside codes (``sdg.region_alias``: ISO 3166-2, the platform's ``REF_AREA``…), else through the platform's
map-layer codes (``MAP_LAYER_CODES``). When several regions of the year share one polygon (a region split off
after the file was drawn), the polygon shows the region it was split from and the others are named as having
no border of their own: never a guessed shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

#: Width of a map in SVG units; the height follows the file's extent.
MAP_WIDTH = 360.0
#: Douglas–Peucker tolerance in SVG units: finer than a pixel at the printed size, about 50× fewer points.
TOLERANCE = 0.35

_CODES = """
SELECT r.kato_code, r.split_from_kato, array_remove(array_agg(a.alias), NULL) AS aliases,
       array_remove(array_agg(a.alias) FILTER (WHERE a.scheme = 'opensdg'), NULL) AS opensdg
FROM sdg.region AS r LEFT JOIN sdg.region_alias AS a USING (kato_code)
WHERE r.kato_code = ANY(:k) GROUP BY r.kato_code, r.split_from_kato
"""


class BoundaryFileError(ValueError):
    """The boundary file cannot be read as GeoJSON polygons (the message names the file and the feature)."""


@dataclass(frozen=True)
class BoundaryMap:
    """SVG paths of the regions of one year, ready to be filled per indicator."""

    source: str
    width: float
    height: float
    #: KATO code → SVG path data (projected, simplified)
    paths: dict[str, str] = field(default_factory=dict)
    #: features of the file no region of the year claims (drawn blank)
    other_paths: list[str] = field(default_factory=list)
    #: regions of the year without a border of their own in the file
    missing: list[str] = field(default_factory=list)


def load_boundary_map(conn: Connection, path: Path, regions: Sequence[str]) -> BoundaryMap:
    """The map of ``regions`` (KATO codes of one year) from the GeoJSON file at ``path``."""
    features = _features(path)
    owners = _owners(conn, regions)
    rings_by_region: dict[str, list] = {}
    other: list = []
    for number, feature in enumerate(features, start=1):
        rings = _rings(feature, path, number)
        region = _owner(feature, owners)
        (rings_by_region.setdefault(region, []) if region else other).extend(rings)
    project = _projection([ring for rings in (*rings_by_region.values(), other) for ring in rings])
    paths = {kato: _path(rings, project) for kato, rings in rings_by_region.items()}
    return BoundaryMap(
        source=path.name,
        width=MAP_WIDTH,
        height=project.height,
        paths=paths,
        other_paths=[_path([ring], project) for ring in other],
        missing=[kato for kato in regions if kato not in paths],
    )


def _features(path: Path) -> list[dict]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BoundaryFileError(f"boundary file {path}: {exc}") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"boundary file {path}: expected a GeoJSON FeatureCollection with features")
    return features


def _rings(feature: dict, path: Path, number: int) -> list[list[tuple[float, float]]]:
    """The outer and inner rings of a Polygon or MultiPolygon feature, as (lon, lat) points."""
    geometry = feature.get("geometry") or {}
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: list | None = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else None
    if not polygons:
        raise BoundaryFileError(
            f"boundary file {path}, feature {number}: expected a Polygon or MultiPolygon, got {kind}"
        )
    try:
        return [[(float(p[0]), float(p[1])) for p in ring] for polygon in polygons for ring in polygon]
    except (TypeError, ValueError, IndexError) as exc:
        raise BoundaryFileError(f"boundary file {path}, feature {number}: bad coordinates ({exc})") from exc


@dataclass(frozen=True)
class _Owners:
    """Which region of the year a code names, directly or through the platform's map layer."""

    by_code: dict[str, str]
    by_layer: dict[str, list[str]]
    split_from: dict[str, str | None]


def _owners(conn: Connection, regions: Sequence[str]) -> _Owners:
    from etl.sources.opensdg.parse import MAP_LAYER_CODES

    by_code: dict[str, str] = {}
    by_layer: dict[str, list[str]] = {}
    split_from: dict[str, str | None] = {}
    for row in conn.execute(text(_CODES), {"k": list(regions)}):
        split_from[row.kato_code] = row.split_from_kato
        for code in (row.kato_code, *row.aliases):
            by_code.setdefault(code.strip(), row.kato_code)
        for code in row.opensdg:
            for layer in MAP_LAYER_CODES.get(code, ()):
                by_layer.setdefault(layer, []).append(row.kato_code)
    return _Owners(by_code, by_layer, split_from)


def _owner(feature: dict, owners: _Owners) -> str | None:
    values = [str(v).strip() for v in (feature.get("properties") or {}).values() if v is not None]
    for value in values:
        if value in owners.by_code:
            return owners.by_code[value]
    for value in values:
        candidates = owners.by_layer.get(value, [])
        # a polygon older than a split belongs to the region the others were split from
        parents = [kato for kato in candidates if owners.split_from.get(kato) not in candidates]
        if len(parents) == 1:
            return parents[0]
    return None


@dataclass(frozen=True)
class _Projection:
    """Equirectangular at the mid latitude (true shapes for a country of Kazakhstan's extent), y downwards."""

    west: float
    north: float
    scale: float
    cos_lat: float
    height: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.cos_lat * self.scale, (self.north - lat) * self.scale


def _projection(rings: Iterable[list[tuple[float, float]]]) -> _Projection:
    points = [p for ring in rings for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    cos_lat = math.cos(math.radians((south + north) / 2))
    scale = MAP_WIDTH / max((east - west) * cos_lat, 1e-9)
    return _Projection(west, north, scale, cos_lat, round((north - south) * scale, 1))


def _path(rings: list[list[tuple[float, float]]], project: _Projection) -> str:
    parts = []
    for ring in rings:
        points = _simplify([project(lon, lat) for lon, lat in ring], TOLERANCE)
        if len(points) >= 3:
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative (a ring has tens of thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, distance = _farthest(points, first, last)
        if distance > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _farthest(points: list[tuple[float, float]], first: int, last: int) -> tuple[int, float]:
    (x1, y1), (x2, y2) = points[first], points[last]
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    best, best_distance = first, -1.0
    for i in range(first + 1, last):
        x, y = points[i]
        d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / length if length else math.hypot(x - x1, y - y1)
        if d > best_distance:
            best, best_distance = i, d
    return best, best_distance
