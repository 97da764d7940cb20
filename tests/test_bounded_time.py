"""Bounded time: no server can hold a request or a series past its deadline, and deterministic errors
are not retried. Real local servers (``slow_servers``): one that trickles a byte every 0.5 s for ever,
one that accepts and never answers, one that asks to come back in 30 s."""

from __future__ import annotations

import time

import pytest
from slow_servers import SilentSocket, SlowServer, elapsed_since

from etl.runtime.failures import is_transient
from etl.sources import deadline, http
from etl.sources.errors import DeadlineExceeded, SourceError

#: what a deadline may be overrun by (thread wake-up, closing the socket), generous for a loaded CI machine
MARGIN = 1.0


def _session(retries: int = 4) -> http.RetryingSession:
    return http.make_session(retries=retries, backoff=0.01)


def _get(url: str, seconds: float | None = None, retries: int = 4, timeout=(10.0, 120.0)) -> http.Fetched:
    return http.get(_session(retries), "opensdg", url, {}, timeout, deadline_seconds=seconds)


def _fails_within(bound: float, call) -> tuple[DeadlineExceeded, float]:
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as info:
        call()
    took = elapsed_since(started)
    assert took < bound + MARGIN, f"took {took:.2f} s, deadline {bound} s"
    return info.value, took


def test_trickling_body_ends_at_the_request_deadline():
    """The socket timeout (120 s per read) never trips on a byte every 0.5 s; the request deadline does."""
    with SlowServer({"indicator_9-2-1": "trickle"}) as server:
        url = f"{server.url}/opensdg/data/indicator_9-2-1.csv"
        error, took = _fails_within(2.0, lambda: _get(url, seconds=2.0))
    assert took >= 1.9
    assert error.url == url and url in str(error)
    assert "request deadline of 2 s (SDG_REQUEST_DEADLINE)" in str(error)
    assert "HTTP 200 answer incomplete" in str(error)  # the headers came, then a byte at a time
    assert error.retryable and is_transient(error)
    assert len(server.requests) == 1  # the deadline covers the retries: none was started after it


def test_trickling_headers_end_at_the_request_deadline():
    with SlowServer({"indicator_9-2-1": "trickle-headers"}, interval=0.1) as server:
        url = f"{server.url}/opensdg/data/indicator_9-2-1.csv"
        error, _ = _fails_within(1.5, lambda: _get(url, seconds=1.5))
    assert url in str(error) and "request deadline of 1.5 s" in str(error)


def test_silent_server_costs_one_deadline_not_five_read_timeouts():
    """Before: 5 tries × 120 s. Now: 4 retries and 120 s reads still end within the 1.5 s deadline."""
    with SilentSocket() as silent:
        url = f"{silent.url}/opensdg/data/indicator_3-2-1.csv"
        error, took = _fails_within(1.5, lambda: _get(url, seconds=1.5, retries=4))
    assert took >= 1.4
    assert str(error) == f"opensdg: {url}: no answer within the request deadline of 1.5 s (SDG_REQUEST_DEADLINE)"


def test_silent_server_with_short_read_timeouts_retries_within_the_deadline():
    """Read timeouts shorter than the deadline are retried as before, but the retries share the budget."""
    with SlowServer({"indicator_3-2-1": "sleep"}) as server:
        url = f"{server.url}/opensdg/data/indicator_3-2-1.csv"
        _fails_within(2.0, lambda: _get(url, seconds=2.0, retries=10, timeout=(1.0, 0.3)))
    assert 3 <= len(server.requests) <= 8


def test_request_deadline_comes_from_the_settings(monkeypatch):
    from etl.sources.opensdg.client import OpenSdgClient

    monkeypatch.setenv("SDG_REQUEST_DEADLINE", "1")
    with SilentSocket() as silent:
        client = OpenSdgClient(f"{silent.url}/opensdg", session=_session())
        error, _ = _fails_within(1.0, lambda: client.indicator_csv("3-2-1"))
    assert "indicator_3-2-1.csv" in error.url and "request deadline of 1 s" in str(error)


@pytest.mark.parametrize("value", ["0", "-5", "soon", "inf"])
def test_a_bad_deadline_setting_is_named(monkeypatch, value):
    monkeypatch.setenv("SDG_SERIES_DEADLINE", value)
    with pytest.raises(ValueError, match=f"SDG_SERIES_DEADLINE={value!r}"):
        deadline.series_deadline().__enter__()


def test_series_deadline_bounds_all_requests_of_a_series():
    """Each request alone is within its 60 s, but together they get the series' 2 s."""
    with SlowServer({"indicator_9-2-1": "trickle", "indicator_3-2-1": "sleep"}) as server:
        base = f"{server.url}/opensdg/data"
        started = time.monotonic()
        with deadline.series_deadline(2.0):
            ok = _get(f"{base}/indicator_1-2-1.csv", seconds=60)  # answers at once
            with pytest.raises(DeadlineExceeded) as first:
                _get(f"{base}/indicator_9-2-1.csv", seconds=60)
            after_first = elapsed_since(started)
            with pytest.raises(DeadlineExceeded) as second:
                _get(f"{base}/indicator_3-2-1.csv", seconds=60)
        took = elapsed_since(started)
    assert ok.status == 200 and ok.content.startswith(b"Year,")
    assert 1.9 <= after_first < 2.0 + MARGIN and took < 2.0 + MARGIN
    assert "indicator_9-2-1.csv" in str(first.value)
    assert "series deadline of 2 s (SDG_SERIES_DEADLINE)" in str(first.value)
    assert "indicator_3-2-1.csv" in str(second.value) and "series deadline" in str(second.value)
    assert not any("indicator_3-2-1" in path for path in server.requests)  # no time left: not even asked


def test_series_deadline_defaults_to_the_setting_and_the_tighter_one_wins(monkeypatch):
    monkeypatch.setenv("SDG_SERIES_DEADLINE", "30")
    with deadline.series_deadline() as outer:
        assert outer.seconds == 30
        with deadline.series_deadline(5) as inner:
            assert deadline.request_budget(60) is inner
        with deadline.series_deadline(100):  # a looser inner deadline does not extend the outer one
            assert deadline.request_budget(60) is outer
        assert deadline.request_budget(1).kind == "request deadline"
    assert deadline.current_series_budget() is None


def test_retry_after_beyond_the_deadline_fails_at_once_instead_of_sleeping():
    with SlowServer({"indicator_1-2-1": "429:30"}) as server:
        url = f"{server.url}/opensdg/data/indicator_1-2-1.csv"
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as info:
            _get(url, seconds=5.0)
        took = elapsed_since(started)
    assert took < 1.0
    assert len(server.requests) == 1
    assert url in str(info.value)
    assert "HTTP 429 with Retry-After 30 s: waiting 30 s would overrun the request deadline of 5 s" in str(info.value)
    assert info.value.retryable


def test_retry_after_within_the_deadline_is_honoured():
    with SlowServer({"indicator_1-2-1": "429:1"}) as server:
        url = f"{server.url}/opensdg/data/indicator_1-2-1.csv"
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):  # every answer is 429: retried after 1 s until the budget is gone
            _get(url, seconds=2.5)
        took = elapsed_since(started)
    assert 2 <= len(server.requests) <= 3 and took < 2.5 + MARGIN


@pytest.mark.parametrize(("status", "retryable", "tries"), [(404, False, 1), (400, False, 1), (503, True, 3)])
def test_http_errors_are_classified(status, retryable, tries):
    with SlowServer({"/x": str(status)}) as server:
        with pytest.raises(SourceError, match=f"HTTP {status}") as info:
            _get(f"{server.url}/x", seconds=10, retries=2)
    assert type(info.value) is SourceError
    assert info.value.retryable is retryable and is_transient(info.value) is retryable
    assert len(server.requests) == tries


def test_connection_refused_is_retryable():
    with SilentSocket() as silent:
        url = silent.url
    with pytest.raises(SourceError, match="request failed after retries") as info:
        _get(f"{url}/x", seconds=5, retries=1)
    assert info.value.retryable


def test_wrong_shapes_and_parse_errors_are_not_retryable():
    """Every parser and discovery raise site keeps the default: deterministic."""
    from etl.sources.answers import decode_json
    from etl.sources.taldau import discovery

    answer = http.Fetched(url="http://x/GetPeriodList?indexId=1", params={}, status=200, content=b"{}", content_type="")
    with pytest.raises(SourceError, match="expected a list") as shape:
        discovery.offered_periods(answer)
    with pytest.raises(SourceError, match="HTML page") as html:
        decode_json("taldau", b"<!DOCTYPE html><html>busy</html>", "http://x/y")
    for error in (shape.value, html.value):
        assert not error.retryable and not is_transient(error)


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (ValueError("1e400 is not a finite number"), False),
        (KeyError("series 'x' is not declared"), False),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), False),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (RuntimeError("unknown"), True),
    ],
)
def test_is_transient(exc, transient):
    assert is_transient(exc) is transient


def test_database_errors_by_kind():
    import psycopg2
    from sqlalchemy import exc as sa

    assert not is_transient(psycopg2.errors.NumericValueOutOfRange("numeric field overflow"))
    assert not is_transient(sa.DataError("COPY", {}, psycopg2.DataError("out of range")))
    assert is_transient(sa.OperationalError("connect", {}, psycopg2.OperationalError("server closed")))


def test_a_deadline_on_a_later_page_keeps_its_class_and_names_the_page():
    from etl.catalogue.model import load_series
    from etl.sources.unsd.client import UnsdClient
    from etl.sources.unsd.paging import fetch_pages

    series = next(s for s in load_series() if s.series_key == "unsd:SI_POV_NAHC:398")
    with SlowServer({"page=2&": "sleep"}) as server:
        client = UnsdClient(server.url_for("unsd"), session=_session())
        started = time.monotonic()
        with deadline.series_deadline(1.5), pytest.raises(DeadlineExceeded) as info:
            list(fetch_pages(client, series.params))
    assert elapsed_since(started) < 1.5 + MARGIN
    assert "page 2 of 2: no answer within the series deadline of 1.5 s" in str(info.value)
    assert info.value.retryable
