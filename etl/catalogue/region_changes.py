"""Region splits from ``catalogue/region_changes.csv``: which region's territory changed, when, and to whom.

A split is the knowledge behind a series break: from the split year on, the parent's values no longer
cover the new regions. ``regions.csv`` has the validity dates; this file adds what they cannot say, the
region that carries the parent's series on (Turkestan region for South Kazakhstan in 2018, the parent
itself in 2022). Each row is checked against ``regions.csv`` so the two files cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from etl import config
from etl.catalogue.files import CatalogueError, Row, read_rows
from etl.catalogue.model import Region, load_regions

REGION_CHANGE_COLUMNS = ("split_date", "parent_kato", "successor_kato", "new_kato")


@dataclass(frozen=True)
class RegionSplit:
    """New regions carved out of ``parent_kato`` on ``split_date``; ``successor_kato`` carries its series on."""

    split_date: date
    parent_kato: str
    successor_kato: str
    new_katos: tuple[str, ...]

    @property
    def year(self) -> int:
        """The first year whose annual values are on the new borders (the split is mid-year)."""
        return self.split_date.year

    @property
    def changed_katos(self) -> tuple[str, ...]:
        """Regions whose series see the territory change in the split year: the successor and the new ones."""
        return (self.successor_kato, *self.new_katos)


def load_region_changes(folder: Path | None = None) -> list[RegionSplit]:
    """Every split, checked against ``regions.csv``; no file means no splits known."""
    folder = folder or config.catalogue_dir()
    if not (folder / "region_changes.csv").exists():
        return []
    regions = {r.kato_code: r for r in load_regions(folder)}
    splits = [_split(row, regions) for row in read_rows("region_changes.csv", REGION_CHANGE_COLUMNS, folder)]
    return sorted(splits, key=lambda s: (s.split_date, s.parent_kato))


@lru_cache(maxsize=8)
def _cached(folder: str, mtime_ns: int) -> tuple[RegionSplit, ...]:
    return tuple(load_region_changes(Path(folder)))


def region_changes(folder: Path | None = None) -> tuple[RegionSplit, ...]:
    """``load_region_changes`` read once per file version (the quality gate asks for every series)."""
    folder = folder or config.catalogue_dir()
    path = folder / "region_changes.csv"
    return _cached(str(folder), path.stat().st_mtime_ns if path.exists() else 0)


def _split(row: Row, regions: dict[str, Region]) -> RegionSplit:
    raw = row.text("split_date")
    try:
        when = date.fromisoformat(raw)
    except ValueError as exc:
        raise CatalogueError(f"{row.where('split_date')}: expected an ISO date, got {raw!r}") from exc
    parent = _known(row, "parent_kato", regions).kato_code
    successor = _known(row, "successor_kato", regions).kato_code
    new = tuple(row.text("new_kato").split())
    for kato in new:
        _check_new(row, _known(row, "new_kato", regions, kato), parent, when)
    _check_successor(row, regions, parent, successor, when)
    return RegionSplit(when, parent, successor, new)


def _check_new(row: Row, region: Region, parent: str, when: date) -> None:
    """A new region starts on the split date and, when regions.csv names its parent, it is this one."""
    where = row.where("new_kato")
    if region.valid_from != when:
        raise CatalogueError(f"{where}: {region.kato_code} is valid from {region.valid_from}, not {when}")
    if region.split_from_kato and region.split_from_kato != parent:
        raise CatalogueError(f"{where}: regions.csv says {region.kato_code} split from {region.split_from_kato}")


def _check_successor(row: Row, regions: dict[str, Region], parent: str, successor: str, when: date) -> None:
    """A parent that carries its series on stays open; a renamed one ends the day before its successor starts."""
    if successor == parent:
        if regions[parent].valid_to is not None:
            raise CatalogueError(f"{row.where('parent_kato')}: {parent} carries its series on but ends in regions.csv")
        return
    day_before = when - timedelta(days=1)
    if regions[parent].valid_to != day_before or regions[successor].valid_from != when:
        raise CatalogueError(
            f"{row.where('successor_kato')}: {parent} must end on {day_before} and {successor} start on {when} "
            "in regions.csv"
        )


def _known(row: Row, column: str, regions: dict[str, Region], kato: str | None = None) -> Region:
    kato = kato or row.text(column)
    if kato not in regions:
        raise CatalogueError(f"{row.where(column)}: unknown KATO code {kato!r} (not in regions.csv)")
    return regions[kato]
