"""Taldau client over real HTTP: exact bytes and URL, fail-fast 4xx, retried 5xx/429, and read timeouts."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from etl import config
from etl.sources import http
from etl.sources.errors import SourceError
from etl.sources.taldau.client import TaldauClient

SAMPLES = config.SAMPLES_DIR / "taldau" / "GetIndexData"


@dataclass
class Answer:
    status: int
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ScriptedServer:
    """A local HTTP server answering each request with the next scripted answer (the last one repeats)."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.times: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.requests.append((self.path, dict(self.headers)))
                outer.times.append(time.monotonic())
                answer = outer.answers[min(len(outer.requests), len(outer.answers)) - 1]
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (read timeout)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(
    ("index_id", "period_id", "dics", "file_name"),
    [
        (704460, 7, [67], "704460-p7-d67.json"),
        (702846, 7, [67, 576], "702846-p7-d67_576.json"),
        (4630524, 7, [67, 749, 576], "4630524-p7-d67_749_576.json"),
    ],
)
def test_replay_returns_exact_sample_bytes(replay, index_id, period_id, dics, file_name):
    fetched = TaldauClient().get_index_data(index_id, period_id, dics)  # base URL from SDG_TALDAU_URL
    assert fetched.content == (SAMPLES / file_name).read_bytes()
    assert fetched.status == 200
    assert fetched.content_type.startswith("application/json")
    assert fetched.params == {"period": str(period_id), "dics": ",".join(map(str, dics))}
    parts = urlsplit(fetched.url)
    assert f"{parts.scheme}://{parts.netloc}/taldau" == replay
    assert parts.path == f"/taldau/ru/Api/GetIndexData/{index_id}"
    assert parse_qs(parts.query) == {"period": [str(period_id)], "dics": [",".join(map(str, dics))]}


def test_base_url_trailing_slash_and_language():
    with ScriptedServer([Answer(200, b"[1]")]) as server:
        fetched = TaldauClient(server.url + "/", lang="kk").get_index_data(701, 4, [68])
    path, headers = server.requests[0]
    assert path == "/kk/Api/GetIndexData/701?period=4&dics=68"
    assert headers["User-Agent"] == http.USER_AGENT
    assert fetched.url == server.url + path
    assert fetched.content == b"[1]"


def test_404_from_replay_is_a_source_error_naming_the_url(replay):
    with pytest.raises(SourceError, match=r"GetIndexData/999999\?period=7&dics=67: HTTP 404") as info:
        TaldauClient().get_index_data(999999, 7, [67])
    assert info.value.url.startswith(replay)


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_fail_fast(status):
    with ScriptedServer([Answer(status, b'{"error": "nope"}'), Answer(200)]) as server:
        client = TaldauClient(server.url, session=http.make_session(backoff=0.01))
        with pytest.raises(SourceError, match=f"HTTP {status}: .*nope"):
            client.get_index_data(704460, 7, [67])
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_once_is_retried(status):
    body = (SAMPLES / "704460-p7-d67.json").read_bytes()
    with ScriptedServer(
        [Answer(status, b"<html>busy</html>", {"Content-Type": "text/html"}), Answer(200, body)]
    ) as server:
        client = TaldauClient(server.url, session=http.make_session(backoff=0.01))
        fetched = client.get_index_data(704460, 7, [67])
    assert fetched.status == 200
    assert fetched.content == body
    assert len(server.requests) == 2


def test_persistent_server_error_gives_up_after_retries():
    with ScriptedServer([Answer(503, b"down")]) as server:
        client = TaldauClient(server.url, session=http.make_session(retries=2, backoff=0.01))
        with pytest.raises(SourceError, match=f"{server.url}/ru/Api/GetIndexData/704460.*HTTP 503"):
            client.get_index_data(704460, 7, [67])
    assert len(server.requests) == 3  # the first try and two retries


def test_429_honours_retry_after():
    with ScriptedServer([Answer(429, b"slow down", {"Retry-After": "1"}), Answer(200, b"[]")]) as server:
        client = TaldauClient(server.url, session=http.make_session(backoff=0.01))
        started = time.monotonic()
        fetched = client.get_index_data(704460, 7, [67])
        elapsed = time.monotonic() - started
    assert fetched.status == 200
    assert len(server.requests) == 2
    assert elapsed >= 0.9
    assert server.times[1] - server.times[0] >= 0.9


def test_read_timeout_is_retried_then_a_source_error():
    with ScriptedServer([Answer(200, b"[]", delay=0.8)]) as server:
        client = TaldauClient(server.url, session=http.make_session(retries=1, backoff=0.01), timeout=(2.0, 0.2))
        with pytest.raises(SourceError, match=r"GetIndexData/704460\?period=7&dics=67: request failed after retries"):
            client.get_index_data(704460, 7, [67])
    assert len(server.requests) == 2


def test_connection_refused_is_a_source_error():
    with ScriptedServer([]) as server:
        url = server.url
    client = TaldauClient(url, session=http.make_session(retries=1, backoff=0.01), timeout=(0.5, 0.5))
    with pytest.raises(SourceError, match=f"{url}/ru/Api/GetIndexData/1.*request failed after retries"):
        client.get_index_data(1, 7, [67])
