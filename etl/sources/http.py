"""HTTP for statistics APIs: bounded time, polite retries, and the raw bytes kept as received.

Every request has a total deadline (``etl.sources.deadline``): connect, headers, every byte of the body,
the retries and their waits all come out of one budget, never more than what the series has left. The
retries are ours, not urllib3's, so that a backoff or a ``Retry-After`` longer than the budget fails at
once instead of sleeping past it. What may pass on a later try (transport failures, timeouts, deadlines,
5xx, 408, 429) is a retryable :class:`SourceError`; any other 4xx is not.
"""

from __future__ import annotations

import email.utils
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from etl.sources import deadline, socket_watch
from etl.sources.errors import DeadlineExceeded, SourceError

USER_AGENT = "sdg-monitoring-pipeline/0.1 (+regional SDG monitoring, order No. 236)"
#: (connect, read) seconds per socket operation; the request as a whole is bounded by its deadline
DEFAULT_TIMEOUT = (10.0, 120.0)
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 1.0
MAX_BACKOFF = 120.0
#: answers worth asking again (after a backoff, or the server's Retry-After)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: the request itself is wrong: no retry can help
UNSENDABLE = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.TooManyRedirects,
)
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """One HTTP answer exactly as received, with what is needed for the snapshot manifest."""

    url: str
    params: dict[str, str]
    status: int
    content: bytes
    content_type: str
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class RetryingSession(requests.Session):
    """A session that says how often :func:`get` may retry and how long it backs off."""

    def __init__(self, retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF) -> None:
        super().__init__()
        self.retries = retries
        self.backoff = backoff


def make_session(retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF) -> RetryingSession:
    """A session for :func:`get`: ``retries`` more tries on timeouts, 5xx, 408 and 429, with exponential
    backoff (0, 2b, 4b, ... s, at most 120 s) or the server's Retry-After, all within the request deadline."""
    session = RetryingSession(retries, backoff)
    session.headers["User-Agent"] = USER_AGENT
    adapter = socket_watch.WatchedAdapter(max_retries=0)
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
    deadline_seconds: float | None = None,
) -> Fetched:
    """GET and return the raw answer; any transport failure, non-2xx or deadline becomes a :class:`SourceError`.

    ``headers`` are sent with the request (e.g. an SDMX ``Accept`` media type choosing the format).
    ``deadline_seconds`` overrides ``SDG_REQUEST_DEADLINE``; a series deadline in force still applies.
    """
    full_url = requests.Request("GET", url, params=params).prepare().url or url
    budget = deadline.request_budget(deadline_seconds)
    retries = int(getattr(session, "retries", DEFAULT_RETRIES))
    backoff = float(getattr(session, "backoff", DEFAULT_BACKOFF))
    for attempt in itertools.count(1):
        try:
            status, content, answer_headers = _attempt(session, source, full_url, url, params, timeout, headers, budget)
        except UNSENDABLE as exc:
            raise SourceError(source, full_url, f"request cannot be sent: {exc}") from exc
        except requests.RequestException as exc:
            if attempt > retries:
                raise SourceError(source, full_url, f"request failed after retries: {exc}", retryable=True) from exc
            _wait(budget, _backoff(backoff, attempt), source, full_url, f"{type(exc).__name__} on try {attempt}")
            continue
        if 200 <= status < 300:
            content_type = answer_headers.get("Content-Type", "")
            return Fetched(url=full_url, params=dict(params), status=status, content=content, content_type=content_type)
        reason = f"HTTP {status}: {content[:200].decode('utf-8', 'replace')!r}"
        transient = status >= 500 or status in (408, 429)
        if status not in RETRY_STATUSES or attempt > retries:
            raise SourceError(source, full_url, reason, retryable=transient)
        asked = _retry_after(answer_headers) if status in RETRY_AFTER_STATUSES else None
        wait = asked if asked is not None else _backoff(backoff, attempt)
        said = f"HTTP {status}" + (f" with Retry-After {asked:g} s" if asked is not None else "")
        _wait(budget, wait, source, full_url, said)
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    session: requests.Session,
    source: str,
    full_url: str,
    url: str,
    params: dict[str, str],
    timeout: tuple[float, float],
    headers: dict[str, str] | None,
    budget: deadline.Budget,
) -> tuple[int, bytes, Mapping[str, str]]:
    """One try: status, the whole body and headers, or the deadline; sockets are cut when it passes."""
    remaining = budget.remaining()
    if remaining <= 0:
        raise budget.exceeded(source, full_url)
    per_operation = (min(timeout[0], remaining), min(timeout[1], remaining))
    received: list[bytes] = []
    status: int | None = None  # known once the headers are in
    with socket_watch.cut_at(remaining) as watch:
        try:
            response = session.get(url, params=params, timeout=per_operation, headers=headers, stream=True)
            status = response.status_code
            try:
                for chunk in response.iter_content(CHUNK_SIZE):
                    received.append(chunk)
                    if budget.expired():
                        break
            finally:
                response.close()
        except requests.RequestException:
            if watch.fired or budget.expired():
                raise _exceeded(budget, source, full_url, status, received) from None
            raise
    if watch.fired or budget.expired():  # a cut socket can look like a complete body: never keep it
        raise _exceeded(budget, source, full_url, status, received)
    return response.status_code, b"".join(received), response.headers


def _exceeded(budget: deadline.Budget, source: str, url: str, status: int | None, received: list[bytes]):
    """No answer at all, or headers and part of a body (dropped: a partial body is never returned)."""
    if status is None:
        return budget.exceeded(source, url, "no answer")
    size = sum(len(chunk) for chunk in received)
    return budget.exceeded(source, url, f"HTTP {status} answer incomplete (body not finished, {size}+ bytes read)")


def _backoff(factor: float, attempt: int) -> float:
    """urllib3's schedule: the first retry at once, then factor·2, factor·4, ... seconds, at most 120 s."""
    return 0.0 if attempt <= 1 else min(MAX_BACKOFF, factor * 2 ** (attempt - 1))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    raw = (headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _wait(budget: deadline.Budget, seconds: float, source: str, url: str, why: str) -> None:
    """Sleep before the next try, or fail now when the wait would outlive the budget."""
    left = budget.remaining()
    if seconds >= left:
        overrun = f"{why}: waiting {seconds:g} s would overrun {budget.describe()} ({max(left, 0):.1f} s left)"
        raise DeadlineExceeded(source, url, overrun)
    if seconds > 0:
        time.sleep(seconds)
