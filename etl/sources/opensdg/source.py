"""The national SDG platform as a pipeline source: one series per ``data/indicator_<id>.csv``.

The indicator CSV is the series' snapshot. Translations (``translations/<lang>/*.yml``) are not
fetched: observations keep the codes the file uses (``UNIT_MEASURE=PT``, ``SEX=F``), which are SDMX SDG
codes; names are a presentation matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from etl.sources.base import RegionLookup
from etl.sources.opensdg.client import INDICATOR_ID, OpenSdgClient
from etl.sources.opensdg.parse import OpenSdgParseResult, parse_indicator_csv
from etl.sources.series import CatalogueError

if TYPE_CHECKING:
    import requests

    from etl.sources.http import Fetched
    from etl.sources.series import Row, Series


class OpenSdgSource:
    """Kazakhstan's Open SDG data repository, over HTTP(S) or from a local clone (``SDG_OPENSDG_URL``)."""

    name: ClassVar[str] = "opensdg"
    #: catalogue columns beyond the common ones
    columns: ClassVar[tuple[str, ...]] = ("indicator_id",)

    def __init__(
        self,
        client: OpenSdgClient | None = None,
        base_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.client = client or OpenSdgClient(base_url, session=session)

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        indicator_id = row.text("indicator_id")
        if not INDICATOR_ID.fullmatch(indicator_id):
            where = row.where("indicator_id")
            raise CatalogueError(f"{where}: expected an Open SDG id like 3-2-1, got {indicator_id!r}")
        return {"indicator_id": indicator_id}

    def fetch(self, series: Series) -> Iterator[Fetched]:
        yield self.client.indicator_csv(series.params["indicator_id"])

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> OpenSdgParseResult:
        return parse_indicator_csv(
            fetched.content, url=fetched.url, regions=regions.scheme("opensdg"), unit=series.unit_ru or None
        )
