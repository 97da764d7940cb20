"""SDMX REST client: builds ``/data/<flow>/<key>`` and structure URLs and returns the raw answers.

The format is asked for twice: by the ``Accept`` media type (the SDMX REST way) and by a ``format`` query
parameter (as .Stat-style endpoints also accept, and the only thing the replay server sees). An endpoint
that rejects unknown query parameters gets ``format_param=None``.
"""

from __future__ import annotations

import re

import requests

from etl import config
from etl.sources import http
from etl.sources.errors import SourceError
from etl.sources.sdmx.formats import FORMATS, STRUCTURE_MEDIA_TYPE

SOURCE = "sdmx"
ENV_URL = "SDG_SDMX_URL"
#: flow references (``DF``, ``AGENCY,DF,1.0``) and keys (``A.N.SI_POV_NAHC....``, ``A+Q..``): no slashes
_SAFE_PART = re.compile(r"^[A-Za-z0-9_@$\-.,+*]*$")


class SdmxClient:
    """``GET {base}/data/{flow}/{key}`` with the media type of the wanted format."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        format_param: str | None = "format",
    ) -> None:
        self.base_url = (base_url or config.sdmx_url() or "").rstrip("/")
        self.session = session or http.make_session()
        self.timeout = timeout
        self.format_param = format_param

    def get_data(self, flow: str, key: str, data_format: str) -> http.Fetched:
        """One data message for a flow and a series key (filter) in ``data_format`` (see FORMATS)."""
        fmt = FORMATS[data_format]
        url = f"{self._base()}/data/{_part(flow, 'flow')}/{_part(key, 'key') or 'all'}"
        params = {self.format_param: fmt.name} if self.format_param else {}
        return http.get(self.session, SOURCE, url, params, self.timeout, headers={"Accept": fmt.media_type})

    def get_structure(self, structure_url: str) -> http.Fetched:
        """The structure message (DSD) at an absolute URL or a path under the base URL."""
        url = structure_url if "://" in structure_url else f"{self._base()}/{structure_url.lstrip('/')}"
        params = {"references": "none", "detail": "full"}
        return http.get(self.session, SOURCE, url, params, self.timeout, headers={"Accept": STRUCTURE_MEDIA_TYPE})

    def _base(self) -> str:
        if not self.base_url:
            raise SourceError(SOURCE, "", f"no SDMX endpoint configured: set {ENV_URL} or pass base_url")
        return self.base_url


def _part(value: str, what: str) -> str:
    if not _SAFE_PART.match(value):
        raise ValueError(f"SDMX {what} {value!r} has characters outside [A-Za-z0-9_@$-.,+*]")
    return value
