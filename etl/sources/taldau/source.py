"""Taldau as a pipeline source: catalogue columns, fetch through the client, parse the cube."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from etl.catalogue.files import CatalogueError
from etl.sources.base import ParseResult, RegionLookup
from etl.sources.taldau.client import TaldauClient
from etl.sources.taldau.parse import parse_index_data
from etl.sources.taldau.periods import PERIOD_TYPES

if TYPE_CHECKING:
    from etl.catalogue.files import Row
    from etl.catalogue.model import Series
    from etl.sources.http import Fetched


class TaldauSource:
    """The Bureau of National Statistics' Taldau API (``GetIndexData``)."""

    name: ClassVar[str] = "taldau"
    #: catalogue columns beyond the common ones
    columns: ClassVar[tuple[str, ...]] = ("index_id", "period_id", "dics", "total_terms")

    def __init__(self, client: TaldauClient | None = None, base_url: str | None = None) -> None:
        self.client = client or TaldauClient(base_url)

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        period_id = row.integer("period_id")
        if period_id not in PERIOD_TYPES:
            raise CatalogueError(f"{row.where('period_id')}: expected one of {sorted(PERIOD_TYPES)}, got {period_id}")
        dics = _ints(row, "dics", ",")
        totals = _ints(row, "total_terms", ";")
        if not dics:
            raise CatalogueError(f"{row.where('dics')}: value required (the segment's dictionaries, e.g. 67)")
        if len(totals) != len(dics) - 1:
            raise CatalogueError(
                f"{row.where('total_terms')}: {len(dics) - 1} total term(s) needed for dics {dics}, got {totals}"
            )
        return {"index_id": row.integer("index_id"), "period_id": period_id, "dics": dics, "total_terms": totals}

    def fetch(self, series: Series) -> Iterator[Fetched]:
        p = series.params
        yield self.client.get_index_data(p["index_id"], p["period_id"], p["dics"])

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        p = series.params
        return parse_index_data(
            fetched.content,
            url=fetched.url,
            period_id=p["period_id"],
            dics=p["dics"],
            total_terms=p["total_terms"],
            region_terms={int(k): v for k, v in regions.scheme("taldau_term").items()},
            unit=series.unit_ru or None,
        )


def _ints(row: Row, column: str, sep: str) -> list[int]:
    raw = row.text(column, required=False)
    try:
        return [int(part) for part in raw.split(sep) if part.strip()]
    except ValueError as exc:
        raise CatalogueError(f"{row.where(column)}: expected integers separated by {sep!r}, got {raw!r}") from exc
