"""A local HTTP server that answers like the statistics APIs, from recorded or sample responses.

The demo and the tests point the real clients at it (``SDG_TALDAU_URL=<server>/taldau``, ...), so the
code that runs at night is the code that is exercised; no file is read behind a client's back.

Requests are routed by their first path segment, the source name: ``/<source>/<rest>`` is answered by
``etl.sources.<source>.replay.resolve(root, rest, query)`` from ``samples/<source>/``. Faults can be
scripted per path (``500``, ``429:<retry-after>``, ``sleep:<seconds>``, ``html``, ``truncate``, ``404``)
to show how clients behave when a source misbehaves.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from etl import config

log = logging.getLogger(__name__)

Resolver = Callable[[Path, str, str], Path | None]
HTML_ERROR = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def resolver(source: str) -> Resolver | None:
    """The sample-file resolver of a source, or None when it has no replay module."""
    if not source.isidentifier():
        return None
    try:
        module = importlib.import_module(f"etl.sources.{source}.replay")
    except ModuleNotFoundError:
        return None
    return module.resolve


class Faults:
    """Scripted misbehaviour: for requests whose path contains a key, play its actions in order."""

    def __init__(self, script: dict[str, list[str]] | None = None) -> None:
        self._script = {key: list(actions) for key, actions in (script or {}).items()}
        self._lock = threading.Lock()
        self.requests: list[str] = []

    def next_action(self, path: str) -> str:
        with self._lock:
            self.requests.append(path)
            for key, actions in self._script.items():
                if key in path and actions:
                    return actions.pop(0)
        return "ok"


class _Handler(BaseHTTPRequestHandler):
    samples: Path = config.SAMPLES_DIR
    faults: Faults = Faults()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        action = self.faults.next_action(self.path)
        if self._fault(action):
            return
        source, _, rest = parts.path.lstrip("/").partition("/")
        resolve = resolver(source)
        found = resolve(self.samples / source, "/" + rest, parts.query) if resolve else None
        if found is None:
            self._send(404, b'{"error": "not found"}')
            return
        body = found.read_bytes()
        self._send(200, body[: len(body) // 2] if action == "truncate" else body, _content_type(found))

    do_POST = do_GET  # noqa: N815 - Taldau accepts both

    def _fault(self, action: str) -> bool:
        kind, _, arg = action.partition(":")
        if kind == "sleep":
            time.sleep(float(arg or 5))
            return False
        if kind == "429":
            self._send(429, b'{"error": "too many requests"}', headers={"Retry-After": arg or "1"})
        elif kind in ("500", "502", "503", "504", "404", "400", "403"):
            self._send(int(kind), b'{"error": "scripted"}')
        elif kind == "html":
            self._send(200, HTML_ERROR, "text/html; charset=utf-8")
        else:
            return False
        return True

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:
        log.debug("replay: " + fmt, *args)


def _content_type(path: Path) -> str:
    return {
        ".json": "application/json; charset=utf-8",
        ".csv": "text/csv; charset=utf-8",
        ".xml": "application/xml",
        ".yml": "text/yaml; charset=utf-8",
    }.get(path.suffix, "application/octet-stream")


class ReplayServer:
    """Serve ``samples`` on 127.0.0.1 in a background thread; use as a context manager.

    ``url_for("taldau")`` is the base URL to give that source's client.
    """

    def __init__(self, samples: Path | None = None, port: int = 0, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        attrs = {"samples": Path(samples or config.SAMPLES_DIR), "faults": self.faults}
        handler = type("Handler", (_Handler,), attrs)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"  # an IPv4 server's host is text (typeshed allows bytes for AF_UNIX)

    def url_for(self, source: str) -> str:
        return f"{self.url}/{source}"

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
