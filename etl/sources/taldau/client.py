"""Taldau API client: builds the request URLs and returns raw answers; parsing is elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

import requests

from etl import config
from etl.sources import http
from etl.sources.taldau.parse import SOURCE


class TaldauClient:
    """``GET {base}/ru/Api/GetIndexData/{index}?period={period}&dics={dics}`` and friends."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        lang: str = "ru",
    ) -> None:
        self.base_url = (base_url or config.taldau_url()).rstrip("/")
        self.session = session or http.make_session()
        self.timeout = timeout
        self.lang = lang

    def get_index_data(self, index_id: int, period_id: int, dics: Sequence[int]) -> http.Fetched:
        """The full cube of one index for one period type; ``dics`` must be the segment's full set."""
        url = f"{self.base_url}/{self.lang}/Api/GetIndexData/{int(index_id)}"
        params = {"period": str(int(period_id)), "dics": ",".join(str(int(d)) for d in dics)}
        return http.get(self.session, SOURCE, url, params, self.timeout)

    def _api(self, method: str, params: dict[str, str]) -> http.Fetched:
        return http.get(self.session, SOURCE, f"{self.base_url}/{self.lang}/Api/{method}", params, self.timeout)

    def get_period_list(self, index_id: int) -> http.Fetched:
        """The period types an index is published for (``[{"id": 7, "name": "Год"}, ...]``)."""
        return self._api("GetPeriodList", {"indexId": str(int(index_id))})

    def get_segment_list(self, index_id: int, period_id: int) -> http.Fetched:
        """The dictionary sets (segments) of an index: ``dicId`` "67 + 915", ``termIds`` of their roots."""
        return self._api("GetSegmentList", {"indexId": str(int(index_id)), "periodId": str(int(period_id))})

    def get_index_attributes(self, index_id: int, period_id: int) -> http.Fetched:
        """Name, unit (``measureName``) and passport of an index."""
        return self._api("GetIndexAttributes", {"indexId": str(int(index_id)), "periodId": str(int(period_id))})
