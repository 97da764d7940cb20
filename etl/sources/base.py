"""What every source provides: fetch raw answers for a declared series, and parse them into observations.

Like sdmx1's readers, a source is a small class with one contract; the ingest loop (``etl.ingest.run``)
does snapshots, vintages, quality and transactions the same way for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pandas as pd

from etl.sources.observations import OBSERVATION_COLUMNS
from etl.sources.series import Series

if TYPE_CHECKING:
    from etl.sources.http import Fetched
    from etl.sources.series import Row


@dataclass
class ParseResult:
    """Observations parsed from one raw answer, and what was left out (counted, never silently)."""

    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(OBSERVATION_COLUMNS)))
    #: outside region codes with no KATO alias: code -> name as the source gave it
    unmapped_regions: dict[str, str] = field(default_factory=dict)
    #: rows outside the declared cut (non-total terms of other dictionaries, and the like)
    skipped_rows: int = 0
    #: free-text remarks for the log (e.g. the unit taken from the source's attributes)
    notes: list[str] = field(default_factory=list)
    #: data problems that do not stop the load, by kind (``short_row``, ``geocode_contradiction``): row counts,
    #: stored on the snapshot (``etl.warehouse.parse_warnings``); ``warning_samples`` names the first few rows
    warnings: dict[str, int] = field(default_factory=dict)
    warning_samples: dict[str, list[str]] = field(default_factory=dict)

    def warn(self, kind: str, sample: str, limit: int = 5) -> None:
        """Count one row of ``kind``; keep its description while fewer than ``limit`` are kept."""
        self.warnings[kind] = self.warnings.get(kind, 0) + 1
        samples = self.warning_samples.setdefault(kind, [])
        if len(samples) < limit:
            samples.append(sample)


class RegionLookup:
    """Outside region codes (Taldau term ids, Open SDG codes, ISO, M49 ...) to 9-digit KATO codes."""

    def __init__(self, aliases: Mapping[tuple[str, str], str]) -> None:
        self._aliases = dict(aliases)

    def kato(self, scheme: str, alias: object) -> str | None:
        return self._aliases.get((scheme, str(alias).strip()))

    def scheme(self, scheme: str) -> dict[str, str]:
        return {alias: kato for (s, alias), kato in self._aliases.items() if s == scheme}

    @classmethod
    def from_connection(cls, conn: Any) -> RegionLookup:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT scheme, alias, kato_code FROM sdg.region_alias"))
        return cls({(scheme, alias): kato for scheme, alias, kato in rows})


class Source(Protocol):
    """One statistics source. ``name`` is the catalogue file stem (``catalogue/series/<name>.csv``)."""

    name: ClassVar[str]

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        """Typed, checked source-specific columns of one catalogue row (errors name file, line, column)."""
        ...

    def fetch(self, series: Series) -> Iterator[Fetched]:
        """Raw answers for one series (several for paged APIs); raise SourceError naming the URL."""
        ...

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        """Observations from one raw answer; raise SourceError naming the URL on schema drift."""
        ...
