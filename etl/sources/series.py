"""The record of one declared series, as every source receives it, and the catalogue row it is read from.

A source checks its own columns of ``catalogue/series/<source>.csv`` (:meth:`etl.sources.base.Source.series_params`)
on a :class:`Row` and says what is wrong with a :class:`CatalogueError`; both live here, below the catalogue package,
so that the catalogue imports the sources and never the reverse (``etl.catalogue.files`` reads the rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
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


class CatalogueError(ValueError):
    """A catalogue file does not fit its documented columns."""


@dataclass(frozen=True)
class Row:
    """One CSV row with typed getters that report where a bad cell is."""

    path: Path
    line: int
    data: dict[str, str]
    #: the file as people name it, relative to the catalogue folder (``series/taldau.csv``)
    label: str = ""

    def where(self, column: str) -> str:
        return f"{self.label or self.path.name}, line {self.line}, column {column!r}"

    def text(self, column: str, required: bool = True) -> str:
        value = (self.data.get(column) or "").strip()
        if required and not value:
            raise CatalogueError(f"{self.where(column)}: value required")
        return value

    def integer(self, column: str, required: bool = True) -> int | None:
        return self._convert(column, required, int, "an integer")

    def decimal(self, column: str, required: bool = True) -> Decimal | None:
        return self._convert(column, required, Decimal, "a number")

    def _convert(self, column: str, required: bool, kind: Callable, label: str):
        value = self.text(column, required)
        if not value:
            return None
        try:
            return kind(value.replace(",", "."))
        except (ValueError, InvalidOperation) as exc:
            raise CatalogueError(f"{self.where(column)}: expected {label}, got {value!r}") from exc
