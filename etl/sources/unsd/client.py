"""UN SDG API client: builds the ``Series/Data`` request URL and returns the raw answer; parsing is elsewhere."""

from __future__ import annotations

import requests

from etl import config
from etl.sources import http
from etl.sources.unsd.parse import SOURCE


class UnsdClient:
    """``GET {base}/v1/sdg/Series/Data?seriesCode=..&areaCode=..&page=..&pageSize=..``."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = (base_url or config.unsd_url()).rstrip("/")
        self.session = session or http.make_session()
        self.timeout = timeout

    def series_data(self, series_code: str, area_code: str, page: int, page_size: int) -> http.Fetched:
        """One page (1-based) of one series for one area (M49 code)."""
        url = f"{self.base_url}/v1/sdg/Series/Data"
        params = {
            "seriesCode": series_code,
            "areaCode": area_code,
            "page": str(int(page)),
            "pageSize": str(int(page_size)),
        }
        return http.get(self.session, SOURCE, url, params, self.timeout)
