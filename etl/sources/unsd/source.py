"""The UN SDG Global Database as a pipeline source: catalogue columns, every page fetched, each page parsed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from etl.sources.base import ParseResult, RegionLookup
from etl.sources.series import CatalogueError
from etl.sources.unsd.client import UnsdClient
from etl.sources.unsd.paging import fetch_pages
from etl.sources.unsd.parse import parse_page

if TYPE_CHECKING:
    from etl.sources.http import Fetched
    from etl.sources.series import Row, Series

DEFAULT_AREA = "398"  # M49 code of Kazakhstan
DEFAULT_PAGE_SIZE = 500
_SERIES_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,59}$")
_AREA_CODE = re.compile(r"^\d{1,3}$")


class UnsdSource:
    """``/v1/sdg/Series/Data`` of the UN SDG Global Database, all pages of one series and area."""

    name: ClassVar[str] = "unsd"
    #: catalogue columns beyond the common ones
    columns: ClassVar[tuple[str, ...]] = ("series_code", "area_code", "totals", "page_size")

    def __init__(self, client: UnsdClient | None = None, base_url: str | None = None) -> None:
        self.client = client or UnsdClient(base_url)

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        code = row.text("series_code")
        if not _SERIES_CODE.match(code):
            raise CatalogueError(
                f"{row.where('series_code')}: expected an SDG series code like SI_POV_DAY1, got {code!r}"
            )
        area = row.text("area_code", required=False) or DEFAULT_AREA
        if not _AREA_CODE.match(area):
            raise CatalogueError(f"{row.where('area_code')}: expected an M49 code (digits), got {area!r}")
        page_size = row.integer("page_size", required=False)
        page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
        if not 1 <= page_size <= 10000:
            raise CatalogueError(f"{row.where('page_size')}: expected 1..10000, got {page_size}")
        return {"series_code": code, "area_code": area, "totals": parse_totals(row), "page_size": page_size}

    def fetch(self, series: Series) -> Iterator[Fetched]:
        yield from fetch_pages(self.client, series.params)

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        p = series.params
        return parse_page(
            fetched.content,
            url=fetched.url,
            series_code=p["series_code"],
            totals=p["totals"],
            regions=regions,
            unit=series.unit_ru or None,
        )


def parse_totals(row: Row) -> dict[str, str]:
    """``Sex=BOTHSEX;Age=ALLAGE`` (the API's dimension names and codes) -> ``{"Sex": "BOTHSEX", ...}``."""
    raw = row.text("totals", required=False)
    totals: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        name, sep, code = (s.strip() for s in part.partition("="))
        if not sep or not name or not code or name in totals:
            raise CatalogueError(
                f"{row.where('totals')}: expected distinct 'Dimension=CODE' pairs separated by ';', got {raw!r}"
            )
        totals[name] = code
    return totals
