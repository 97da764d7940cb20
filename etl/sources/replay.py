"""A local HTTP server that answers like a statistics API from recorded or sample responses.

The demo and the tests point the real clients at it (``SDG_TALDAU_URL``), so the code that runs at
night is the code that is exercised; no file is read behind the client's back. Taldau requests
``/ru/Api/GetIndexData/<index>?period=<p>&dics=<d1,d2>`` are served from
``<root>/GetIndexData/<index>-p<p>-d<d1_d2>.json``; anything else is a 404 with a JSON body.
"""

from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from etl import config

log = logging.getLogger(__name__)

_INDEX_DATA = re.compile(r"^/(?:ru|kk|en)/Api/GetIndexData/(\d+)$")
_PARAM = re.compile(r"^[0-9,]+$")


def taldau_sample_path(root: Path, path: str, query: str) -> Path | None:
    """The file answering a Taldau request, or None; only digits and commas reach the file name."""
    match = _INDEX_DATA.match(path)
    params = parse_qs(query)
    period = (params.get("period") or [""])[0]
    dics = (params.get("dics") or [""])[0]
    if not match or not _PARAM.match(period) or not _PARAM.match(dics):
        return None
    candidate = root / "GetIndexData" / f"{match.group(1)}-p{period}-d{dics.replace(',', '_')}.json"
    return candidate if candidate.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    root: Path = config.SAMPLES_DIR / "taldau"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        found = taldau_sample_path(self.root, parts.path, parts.query)
        if found is None:
            self._send(404, b'{"error": "not found"}')
            return
        self._send(200, found.read_bytes())

    do_POST = do_GET  # noqa: N815 - Taldau accepts both

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:
        log.debug("replay: " + fmt, *args)


class ReplayServer:
    """Serve ``root`` on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, root: Path | None = None, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"root": Path(root or _Handler.root)})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

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
