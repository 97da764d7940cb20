"""``sdg export opensdg``: the warehouse's values as the national platform's ``data/indicator_<id>.csv`` files.

What a file holds (the platform's maintainers replace whole files, so each file is a whole series):

- every row of the platform's own file (the newest snapshot the warehouse loaded), in its order and
  spelling, with ``Value`` taken from the warehouse's current observation of that cut: a value that came
  from the platform comes back out as the same text;
- rows the warehouse holds no value for (codes without a KATO alias such as cities and monitoring posts,
  rows held in quarantine, a cut the platform gives two different values, short rows) carried over as
  published, so replacing the file loses nothing; a repeated identical cut is written once;
- the project's own facts up to the reporting year (``--year``): computed indicators and other sources'
  values, under the indicator's mapped cut and the region's platform code, at the indicator's precision.
  A fact that differs from the platform's value for the same cell replaces it and is listed in the manifest.

Files are written whole (temporary file, then rename); the same warehouse gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from etl.exports import warehouse
from etl.exports.files import write_atomically
from etl.exports.numbers import plain
from etl.exports.opensdg_layout import Layout, RowKey, canonical_layout, read_layout
from etl.ingest.snapshots import read_blob
from etl.sources.opensdg.parse import VALUE

log = logging.getLogger(__name__)
MANIFEST = "opensdg_manifest.json"


@dataclass
class FileSummary:
    indicator_id: str
    path: str
    rows: int
    #: rows by where their value comes from: platform (warehouse observation), project (a fact), carried (as published)
    origins: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: int = 0
    layout: str = "snapshot"
    replaced: list[dict[str, str]] = field(default_factory=list)


@dataclass
class OpenSdgExport:
    year: int
    folder: Path
    files: list[FileSummary]

    @property
    def rows(self) -> Counter:
        return sum((Counter(f.origins) for f in self.files), Counter())


@dataclass
class _Indicator:
    """What one file will say: values by key, where they come from, the platform's texts they replace."""

    layout: Layout | None = None
    layout_kind: str = "canonical (no platform file in the warehouse)"
    values: dict[RowKey, str] = field(default_factory=dict)
    origin: dict[RowKey, str] = field(default_factory=dict)
    platform: dict[RowKey, Any] = field(default_factory=dict)
    replaced: list[dict[str, str]] = field(default_factory=list)


def export_opensdg(conn: Connection, year: int, out: Path) -> OpenSdgExport:
    """Write ``out/data/indicator_<id>.csv`` for every platform indicator the warehouse has values of."""
    codes = warehouse.region_codes(conn, "opensdg")
    codes[warehouse.NATIONAL_KATO] = ""
    indicators: dict[str, _Indicator] = defaultdict(_Indicator)
    _add_platform(conn, indicators, codes)
    _add_facts(warehouse.facts(conn, year), indicators, codes)
    order = {codes[k]: n for k, n in warehouse.region_order(conn).items() if k in codes}
    summaries = [_write(out, indicator_id, ind, order) for indicator_id, ind in sorted(indicators.items())]
    export = OpenSdgExport(year, out, summaries)
    manifest = {"year": year, "rows": dict(export.rows), "files": [asdict(s) for s in summaries]}
    write_atomically(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return export


def _add_platform(conn: Connection, indicators: dict[str, _Indicator], codes: dict[str, str]) -> None:
    for snapshot in warehouse.newest_snapshots(conn).values():  # a file even when no row of it loaded
        ind = indicators[snapshot.indicator_id]
        ind.layout, ind.layout_kind = _snapshot_layout(snapshot)
    for obs in warehouse.platform_observations(conn):
        ind = indicators[obs.indicator_id]
        key = (codes.get(obs.kato_code, ""), obs.year, obs.dims)
        if obs.kato_code not in codes:
            raise LookupError(f"{obs.series_key}: region {obs.kato_code} has no opensdg code in sdg.region_alias")
        ind.platform[key] = obs
        if obs.obs_status != "invalid":  # two published values for one cut: the rows are carried as published
            ind.values[key] = obs.value_text
            ind.origin[key] = "platform"


def _snapshot_layout(snapshot: Any) -> tuple[Layout | None, str]:
    try:
        return read_layout(read_blob(Path(snapshot.storage_path), snapshot.sha256), snapshot.url), "snapshot"
    except (OSError, ValueError) as exc:  # the blob is gone or corrupt: still export, in the canonical layout
        log.warning("%s: snapshot %s unusable (%s); canonical layout", snapshot.series_key, snapshot.storage_path, exc)
        return None, f"canonical (snapshot unusable: {exc})"


def _add_facts(facts: list[warehouse.Fact], indicators: dict[str, _Indicator], codes: dict[str, str]) -> None:
    for fact in facts:
        if not fact.opensdg_id or fact.kato_code not in codes:
            continue
        ind = indicators[fact.opensdg_id]
        cut = _fit_cut(fact.cut, ind.layout)
        key = (codes[fact.kato_code], fact.year, cut)
        published = ind.platform.get(key)
        if published is not None and _same(published, fact):
            continue  # the fact is the platform's value: its published text stands
        ind.values[key] = plain(fact.value, fact.decimals)
        ind.origin[key] = "project"
        if published is not None:
            ind.replaced.append(
                {
                    "indicator": fact.indicator_code,
                    "REF_AREA": key[0],
                    "Year": str(fact.year),
                    "dims": cut,
                    "platform": published.value_text,
                    "project": ind.values[key],
                    "formula": fact.formula,
                }
            )


def _same(published: Any, fact: warehouse.Fact) -> bool:
    return published.observation_id in fact.observation_ids or published.value == fact.value


def _fit_cut(cut: str, layout: Layout | None) -> str:
    """A cut made of the unit alone is the total of a file that has no unit column."""
    unit_only = cut.startswith("UNIT_MEASURE=") and "|" not in cut
    if layout is not None and unit_only and "UNIT_MEASURE" not in layout.dimension_columns():
        return ""
    return cut


def _write(out: Path, indicator_id: str, ind: _Indicator, order: dict[str, int]) -> FileSummary:
    layout = ind.layout or canonical_layout({k[2] for k in ind.values})
    rows, origins, dropped = _rows(indicator_id, layout, ind, order)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=layout.line_ending)
    writer.writerow(layout.header)
    writer.writerows(rows)
    path = out / "data" / f"indicator_{indicator_id}.csv"
    write_atomically(path, buffer.getvalue().encode("utf-8"))
    return FileSummary(indicator_id, str(path), len(rows), dict(origins), dropped, ind.layout_kind, ind.replaced)


def _rows(indicator_id: str, layout: Layout, ind: _Indicator, order: dict[str, int]) -> tuple[list, Counter, int]:
    """The file's rows: the published ones in their order (values from the warehouse), new ones after their year."""
    value_at = layout.index(VALUE)
    placed: list[tuple[tuple, list[str]]] = []
    origins: Counter = Counter()
    written: set[RowKey] = set()
    last_of_year: dict[int, int] = {}
    dropped = 0
    for index, (cells, key) in enumerate(zip(layout.rows, layout.keys, strict=True)):
        if key is not None:
            last_of_year[key[1]] = index
        if key is None or key not in ind.values:
            placed.append(((index, 0), cells))
            origins["carried"] += 1
        elif key in written:
            dropped += 1
        else:
            written.add(key)
            row = list(cells)
            assert value_at is not None  # the layout is of a file the parser loaded, and it refuses one without Value
            row[value_at] = ind.values[key]
            placed.append(((index, 0), row))
            origins[ind.origin[key]] += 1
    new = sorted((k for k in ind.values if k not in written), key=lambda k: (k[1], k[2], order.get(k[0], 99), k[0]))
    for seq, key in enumerate(new):
        try:
            row = layout.build(key, ind.values[key])
        except ValueError as exc:
            raise LookupError(f"opensdg export of indicator_{indicator_id}.csv: {exc}") from None
        anchor = (last_of_year[key[1]], 1, seq) if key[1] in last_of_year else (len(layout.rows), 2, key[1], seq)
        placed.append((anchor, row))
        origins[ind.origin[key]] += 1
    placed.sort(key=lambda item: item[0])
    return [row for _, row in placed], origins, dropped
