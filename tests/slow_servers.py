"""Real local HTTP servers that misbehave in time: trickle, sleep, or answer 429 with a long Retry-After.

``SlowServer`` routes by path: the first rule whose key is in the path decides; anything else is answered
from the bundled samples like the replay server (``/<source>/...``), so one server can stand in for a
source where some series answer and others stall. Every request is recorded; ``arrived(key)`` waits
until a request for ``key`` reached the server (the test then knows the client is blocked in it).
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from etl import config
from etl.sources.replay import resolver

#: trickled bodies say they are this long, so the client keeps waiting for more
ANNOUNCED_LENGTH = 1_000_000


class SlowServer:
    """``rules``: path key → ``trickle`` (body: one byte every ``interval`` s, for ever), ``trickle-headers``
    (the status line and headers, byte by byte), ``sleep`` (accepts, reads the request, never answers),
    ``429:<seconds>`` (Too Many Requests with that Retry-After), or any other status code (``404``)."""

    def __init__(self, rules: dict[str, str] | None = None, interval: float = 0.5) -> None:
        self.rules = dict(rules or {})
        self.interval = interval
        self.requests: list[str] = []
        self.stop = threading.Event()
        self._arrivals: dict[str, threading.Event] = {key: threading.Event() for key in self.rules}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url_for(self, source: str) -> str:
        return f"{self.url}/{source}"

    def arrived(self, key: str, timeout: float = 30.0) -> bool:
        return self._arrivals[key].wait(timeout)

    def __enter__(self) -> SlowServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()  # trickling and sleeping handlers end, so shutdown does not wait for them
        self.httpd.shutdown()
        self.httpd.server_close()

    def _rule(self, path: str) -> tuple[str | None, str]:
        self.requests.append(path)
        for key, action in self.rules.items():
            if key in path:
                self._arrivals[key].set()
                return key, action
        return None, "replay"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                _, action = server._rule(self.path)
                try:
                    server._answer(self, action)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is the point
                    pass

            def log_message(self, fmt: str, *args: object) -> None:
                pass

        return Handler

    def _answer(self, handler: BaseHTTPRequestHandler, action: str) -> None:
        kind, _, arg = action.partition(":")
        if kind == "sleep":
            self.stop.wait()
        elif kind == "trickle":
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv; charset=utf-8")
            handler.send_header("Content-Length", str(ANNOUNCED_LENGTH))
            handler.end_headers()
            self._drip(handler, b"Year,Value\n" + b"2020,1\n" * (ANNOUNCED_LENGTH // 7))
        elif kind == "trickle-headers":
            self._drip(handler, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: yes\r\n" * 100_000)
        elif kind == "429":
            self._send(handler, 429, b'{"error": "too many requests"}', {"Retry-After": arg})
        elif kind.isdigit():
            self._send(handler, int(kind), b'{"error": "scripted"}')
        else:
            self._replay(handler)

    def _drip(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        for index in range(len(data)):
            if self.stop.wait(self.interval if index else 0):
                return
            handler.wfile.write(data[index : index + 1])
            handler.wfile.flush()

    def _replay(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        source, _, rest = parts.path.lstrip("/").partition("/")
        resolve = resolver(source)
        found = resolve(config.SAMPLES_DIR / source, "/" + rest, parts.query) if resolve else None
        if found is None:
            self._send(handler, 404, b'{"error": "not found"}')
        else:
            kind = {".json": "application/json", ".xml": "application/xml"}.get(found.suffix, "text/csv")
            self._send(handler, 200, found.read_bytes(), {"Content-Type": f"{kind}; charset=utf-8"})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None):
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)


class SilentSocket:
    """A listening socket nobody ever accepts on: connects succeed (the kernel's backlog), nothing answers."""

    def __enter__(self) -> SilentSocket:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        host, port = self.sock.getsockname()
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def elapsed_since(started: float) -> float:
    return time.monotonic() - started
