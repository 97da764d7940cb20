"""Reading the catalogue files people edit (``catalogue/*.csv``), with errors naming file, row and column.

The files are the source of truth, versioned in git; the warehouse mirrors them (see ``sync``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from etl import config
from etl.sources.series import CatalogueError, Row  # the row contract sources read their options from

ALL_REGIONS = "*"


def read_rows(name: str, required_columns: tuple[str, ...], folder: Path | None = None) -> Iterator[Row]:
    """Rows of ``catalogue/<name>`` after checking its header has every required column."""
    path = (folder or config.catalogue_dir()) / name
    if not path.exists():
        raise CatalogueError(f"catalogue file {path} is missing")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{name}, line 1: header lacks columns {missing}; has {reader.fieldnames}")
        for line, data in enumerate(reader, start=2):
            if any((v or "").strip() for v in data.values()):
                yield Row(path, line, data, name)


REGION_COLUMNS = (
    "kato_code",
    "kind",
    "name_ru",
    "name_kk",
    "name_en",
    "iso3166_2",
    "opensdg_code",
    "taldau_term_id",
    "m49",
    "valid_from",
    "valid_to",
    "split_from_kato",
    "sort_order",
)
INDICATOR_COLUMNS = (
    "code",
    "goal",
    "target",
    "name_ru",
    "name_kk",
    "name_en",
    "unit_ru",
    "unit_kk",
    "direction",
    "decimals",
    "responsible_ru",
    "source_ru",
    "responsible_kk",
    "source_kk",
    "opensdg_id",
)
#: common columns of every ``catalogue/series/<source>.csv``; each source adds its own
SERIES_COLUMNS = ("series_key", "indicator_code", "dims", "formula", "scale", "unit_ru")
APPENDIX1_COLUMNS = (
    "kato_code",
    "row_no",
    "indicator_code",
    "regional_name_ru",
    "classification",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "responsible_ru",
)
PLAN_COLUMNS = ("kato_code", "indicator_code", "year", "value")
ACTIVITY_COLUMNS = (
    "kato_code",
    "year",
    "row_no",
    "name_ru",
    "responsible_ru",
    "source_ru",
    "unit_ru",
    "plan_value",
    "fact_value",
    "note_ru",
)
#: optional Kazakh texts of an activity; an absent column or empty cell prints the Russian text on the Kazakh sheet
ACTIVITY_KK_COLUMNS = ("name_kk", "responsible_kk", "source_kk", "unit_kk", "note_kk")
#: optional district of an activity (the order's footnote: an initiative group fills the block for a district
#: with no indicators); empty = the region's own block. ``district_ru`` is part of the key.
ACTIVITY_DISTRICT_COLUMNS = ("district_ru", "district_kk")
#: every column an import writes to ``activities.csv``, in this order
ACTIVITY_FILE_COLUMNS = ACTIVITY_COLUMNS + ACTIVITY_KK_COLUMNS + ACTIVITY_DISTRICT_COLUMNS
#: ``plan_paths.csv`` (optional file): where a straight baseline-to-target path stands in for missing plans
PLAN_PATH_COLUMNS = ("kato_code", "indicator_code", "method")
