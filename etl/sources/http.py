"""HTTP for statistics APIs: explicit timeouts, polite retries, and the raw bytes kept as received."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from etl.sources.errors import SourceError

USER_AGENT = "sdg-monitoring-pipeline/0.1 (+regional SDG monitoring, order No. 236)"
#: (connect, read) seconds; statistics APIs can be slow to assemble a cube, never infinite
DEFAULT_TIMEOUT = (10.0, 120.0)


@dataclass(frozen=True)
class Fetched:
    """One HTTP answer exactly as received, with what is needed for the snapshot manifest."""

    url: str
    params: dict[str, str]
    status: int
    content: bytes
    content_type: str
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def make_session(retries: int = 4, backoff: float = 1.0) -> requests.Session:
    """A session that retries timeouts, 5xx and 429 with exponential backoff, honouring Retry-After."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def get(
    session: requests.Session,
    source: str,
    url: str,
    params: dict[str, str],
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET and return the raw answer; any transport failure or non-2xx becomes a :class:`SourceError`.

    ``headers`` are sent with the request (e.g. an SDMX ``Accept`` media type choosing the format).
    """
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    try:
        response = session.get(url, params=params, timeout=timeout, headers=headers)
    except requests.RequestException as exc:
        raise SourceError(source, full_url, f"request failed after retries: {exc}") from exc
    if not 200 <= response.status_code < 300:
        client_error = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        reason = f"HTTP {response.status_code}: {response.text[:200]!r}"
        raise SourceError(source, full_url, reason, retryable=not client_error)
    return Fetched(
        url=full_url,
        params=dict(params),
        status=response.status_code,
        content=response.content,
        content_type=response.headers.get("Content-Type", ""),
    )
