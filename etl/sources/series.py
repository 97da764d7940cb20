"""The record of one declared series, as every source receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Series:
    """A declared series of one source; ``params`` are the source's own typed columns.

    Read from ``catalogue/series/<source>.csv`` by :func:`etl.catalogue.model.load_series`; it lives beside the
    source contract (``etl.sources.base``) because every source takes it, so the catalogue imports the sources
    and not the reverse; a module of its own so that reading the catalogue does not import pandas.
    """

    series_key: str
    source: str
    indicator_code: str | None
    dims: str
    formula: str
    scale: Decimal
    unit_ru: str
    params: dict[str, Any] = field(default_factory=dict)
    priority: int = 100
