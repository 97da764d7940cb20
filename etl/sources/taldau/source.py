"""Taldau as a pipeline source: catalogue columns, discovery, fetch through the client, parse the cube."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from etl.sources.base import ParseResult, RegionLookup
from etl.sources.errors import SourceError
from etl.sources.series import CatalogueError
from etl.sources.taldau import discovery
from etl.sources.taldau.client import TaldauClient
from etl.sources.taldau.parse import SOURCE, parse_index_data
from etl.sources.taldau.periods import PERIOD_TYPES

if TYPE_CHECKING:
    from etl.sources.http import Fetched
    from etl.sources.series import Row, Series

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resolved:
    """What a request needs: declared in the catalogue, or found through discovery."""

    dics: tuple[int, ...]
    total_terms: tuple[int, ...]
    unit: str | None


class TaldauSource:
    """The Bureau of National Statistics' Taldau API (``GetIndexData`` plus discovery)."""

    name: ClassVar[str] = "taldau"
    #: catalogue columns beyond the common ones; ``dics``/``total_terms`` empty = discover them
    columns: ClassVar[tuple[str, ...]] = ("index_id", "period_id", "dics", "total_terms", "breakdown")

    def __init__(self, client: TaldauClient | None = None, base_url: str | None = None) -> None:
        self.client = client or TaldauClient(base_url)
        self._resolved: dict[str, Resolved] = {}

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        period_id = row.integer("period_id")
        if period_id not in PERIOD_TYPES:
            raise CatalogueError(f"{row.where('period_id')}: expected one of {sorted(PERIOD_TYPES)}, got {period_id}")
        dics = _ints(row, "dics", ",")
        totals = _ints(row, "total_terms", ";")
        if dics and len(totals) != len(dics) - 1:
            raise CatalogueError(
                f"{row.where('total_terms')}: {len(dics) - 1} total term(s) needed for dics {dics}, got {totals}"
            )
        if totals and not dics:
            raise CatalogueError(f"{row.where('dics')}: total terms given without their dictionaries")
        return {
            "index_id": row.integer("index_id"),
            "period_id": period_id,
            "dics": dics,
            "total_terms": totals,
            "breakdown": _breakdown(row),
        }

    def fetch(self, series: Series) -> Iterator[Fetched]:
        p = series.params
        resolved = self.resolve(series)
        yield self.client.get_index_data(p["index_id"], p["period_id"], resolved.dics)

    def resolve(self, series: Series) -> Resolved:
        """The dictionary set, totals and unit of a series: declared, else asked of the API."""
        p = series.params
        if p["dics"]:
            resolved = Resolved(tuple(p["dics"]), tuple(p["total_terms"]), series.unit_ru or None)
        else:
            resolved = self._discover(p["index_id"], p["period_id"], series.unit_ru or None)
            log.info(
                "%s: discovered dics %s, totals %s, unit %r",
                series.series_key,
                resolved.dics,
                resolved.total_terms,
                resolved.unit,
            )
        self._resolved[series.series_key] = resolved
        return resolved

    def _discover(self, index_id: int, period_id: int, unit: str | None) -> Resolved:
        periods_answer = self.client.get_period_list(index_id)
        offered = discovery.offered_periods(periods_answer)
        if period_id not in offered:
            raise SourceError(
                SOURCE,
                periods_answer.url,
                f"index {index_id} is not published for period type {period_id}; offered: {offered}",
            )
        segment = discovery.region_segment(self.client.get_segment_list(index_id, period_id))
        if unit is None:
            unit = discovery.unit_name(self.client.get_index_attributes(index_id, period_id))
        return Resolved(segment.dics, segment.total_terms, unit)

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        p = series.params
        resolved = self._resolved.get(series.series_key) or self.resolve(series)
        return parse_index_data(
            fetched.content,
            url=fetched.url,
            period_id=p["period_id"],
            dics=resolved.dics,
            total_terms=resolved.total_terms,
            region_terms={int(k): v for k, v in regions.scheme("taldau_term").items()},
            unit=resolved.unit,
            breakdown={int(k): v for k, v in p.get("breakdown", {}).items()},
        )


def _ints(row: Row, column: str, sep: str) -> list[int]:
    raw = row.text(column, required=False)
    try:
        return [int(part) for part in raw.split(sep) if part.strip()]
    except ValueError as exc:
        raise CatalogueError(f"{row.where(column)}: expected integers separated by {sep!r}, got {raw!r}") from exc


def _breakdown(row: Row) -> dict[str, str]:
    """``576=SEX;749=AGE`` -> {"576": "SEX", "749": "AGE"}: dictionaries kept as disaggregations."""
    raw = row.text("breakdown", required=False)
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        dic, _, concept = part.partition("=")
        if not dic.strip().isdigit() or not concept.strip().isupper():
            raise CatalogueError(f"{row.where('breakdown')}: expected DIC=CONCEPT pairs like 576=SEX, got {part!r}")
        found[dic.strip()] = concept.strip()
    return found
