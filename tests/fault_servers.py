"""A real local HTTP server that replays the bundled samples with faults in their content, or faults that pass.

``FaultServer`` is a :class:`~slow_servers.SlowServer` (routing by path key, replay of ``samples/<source>``,
``trickle``, ``sleep``, ``429:<s>`` and status codes) with more actions, so one server can stand in for a
source where one series' answer is broken and the others are fine:

- a callable ``bytes -> bytes``: the replayed answer passed through it (truncated, an HTML page, another JSON
  structure, another encoding, a value replaced ...), served whole with a matching ``Content-Length``;
- ``cut``: the headers announce the whole answer, half of it is sent, then the connection is closed;
- ``<action>*<n>``: the action for the first ``n`` requests of that key, the replayed answer afterwards
  (``500*1``, ``429:1*1``, ``sleep*1``: a fault that passes, so a retry loads the series).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from slow_servers import SlowServer

from etl import config
from etl.sources.replay import resolver

Transform = Callable[[bytes], bytes]
Action = str | Transform

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n"
)


def sample(source: str, path_and_query: str) -> Path | None:
    """The bundled sample that answers ``/<path>?<query>`` of ``source`` (None: the server says 404)."""
    parts = urlsplit(path_and_query)
    resolve = resolver(source)
    return resolve(config.SAMPLES_DIR / source, parts.path, parts.query) if resolve else None


class FaultServer(SlowServer):
    """``rules``: path key → an action of :class:`SlowServer`, ``cut``, a body transform, or ``<action>*<n>``."""

    def __init__(self, rules: dict[str, Action] | None = None, interval: float = 0.2) -> None:
        self.actions: dict[str, Action] = dict(rules or {})
        self.limits: dict[str, int] = {}
        for key, action in self.actions.items():
            if isinstance(action, str) and "*" in action:
                action, _, times = action.rpartition("*")
                self.actions[key], self.limits[key] = action, int(times)
        self.faults_played: Counter[str] = Counter()
        self._lock = threading.Lock()
        # the base class only matches keys and records arrivals; the action is looked up here
        super().__init__(dict.fromkeys(self.actions, "replay"), interval)

    def _rule(self, path: str) -> tuple[str | None, str]:
        key, _ = super()._rule(path)
        if key is None:
            return None, "replay"
        with self._lock:
            if key in self.limits and self.faults_played[key] >= self.limits[key]:
                return key, "replay"
            self.faults_played[key] += 1
        return key, key  # the key stands for its action; _answer looks it up

    def _answer(self, handler: BaseHTTPRequestHandler, action: str) -> None:
        chosen = self.actions.get(action, action)
        if callable(chosen):
            self._transformed(handler, chosen)
        elif chosen == "cut":
            self._cut(handler)
        else:
            super()._answer(handler, chosen)

    def _transformed(self, handler: BaseHTTPRequestHandler, transform: Transform) -> None:
        source, found = self._found(handler)
        if found is None:
            self._send(handler, 404, b'{"error": "not found"}')
            return
        body = transform(found.read_bytes())
        self._send(handler, 200, body, {"Content-Type": _content_type(found)})

    def _cut(self, handler: BaseHTTPRequestHandler) -> None:
        _, found = self._found(handler)
        body = found.read_bytes() if found is not None else b"{}"
        handler.send_response(200)
        handler.send_header("Content-Type", _content_type(found) if found else "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True

    @staticmethod
    def _found(handler: BaseHTTPRequestHandler) -> tuple[str, Path | None]:
        parts = urlsplit(handler.path)
        source, _, rest = parts.path.lstrip("/").partition("/")
        query = f"?{parts.query}" if parts.query else ""
        return source, sample(source, f"/{rest}{query}")


def _content_type(found: Path) -> str:
    kind = {".json": "application/json", ".xml": "application/xml"}.get(found.suffix, "text/csv")
    return f"{kind}; charset=utf-8"
