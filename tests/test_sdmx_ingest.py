"""SDMX series through the ingest loop against the real warehouse, served by the replay server with faults.

Each fault (500, 429 + Retry-After, a read timeout, a truncated body, an HTML page) ends either loaded
after retries, or failed with its message while another SDMX series still loaded and nothing partial
reached sdg.observation. Samples are SYNTHETIC (``samples/sdmx``).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import text
from warehouse_state import observations_checksum

from etl import config
from etl.jobs import ingest
from etl.sources import http
from etl.sources.errors import SourceError
from etl.sources.replay import Faults, ReplayServer
from etl.sources.sdmx.client import SdmxClient
from etl.sources.sdmx.formats import FORMATS

ML, JSON, CSV = (f"sdmx:DF_SDG_KZ:SI_POV_NAHC:{fmt}" for fmt in ("ml", "json", "csv"))


def _client(url: str, retries: int = 2, read_timeout: float = 5.0) -> SdmxClient:
    return SdmxClient(url, session=http.make_session(retries=retries, backoff=0.01), timeout=(2.0, read_timeout))


def _rows(engine, series_key: str) -> set[tuple]:
    sql = """SELECT o.kato_code, o.period_end, o.dims, o.value, o.value_text, o.obs_status, o.unit
             FROM sdg.observation o JOIN sdg.series s USING (series_id)
             WHERE s.series_key = :k AND o.valid_to IS NULL"""
    with engine.connect() as conn:
        return set(conn.execute(text(sql), {"k": series_key}).all())


def test_every_format_loads_the_same_rows_and_reingest_is_unchanged(engine):
    with ReplayServer(config.SAMPLES_DIR) as server:
        url = server.url_for("sdmx")
        results = {key: ingest("sdmx", key, client=_client(url)) for key in (ML, JSON, CSV)}
        before = observations_checksum(engine)
        again = {key: ingest("sdmx", key, client=_client(url)) for key in (ML, JSON, CSV)}
    for result in results.values():
        assert (result["status"], result["rows"], result["inserted"], result["unmapped_regions"]) == (
            "loaded",
            20,
            20,
            0,
        )
    assert len(results[CSV]["snapshots"]) == 2  # the data structure is kept as a snapshot too
    assert _rows(engine, ML) == _rows(engine, JSON) == _rows(engine, CSV)
    assert {r[5] for r in _rows(engine, ML)} == {"A", "suppressed", "missing"}
    assert all(r["status"] == "unchanged" for r in again.values())
    assert observations_checksum(engine) == before


def test_accept_header_and_format_query_are_sent():
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            seen.append((self.path, self.headers.get("Accept", "")))
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/rest/"
        for fmt in FORMATS.values():
            fetched = _client(base).get_data("IAEG-SDGs,DF_SDG,1.8", "A..SI_POV_DAY1+SI_POV_NAHC.398", fmt.name)
            assert fetched.params == {"format": fmt.name}
        _client(base).get_structure("datastructure/IAEG-SDGs/SDG/1.8")
    finally:
        httpd.shutdown()
        httpd.server_close()
    paths = [p for p, _ in seen]
    assert paths[0] == "/rest/data/IAEG-SDGs,DF_SDG,1.8/A..SI_POV_DAY1+SI_POV_NAHC.398?format=sdmx-ml"
    assert [a for _, a in seen] == [
        "application/vnd.sdmx.genericdata+xml;version=2.1",
        "application/vnd.sdmx.data+json;version=1.0.0",
        "application/vnd.sdmx.data+csv;version=2.0.0",
        "application/vnd.sdmx.structure+xml;version=2.1",
    ]
    assert paths[-1] == "/rest/datastructure/IAEG-SDGs/SDG/1.8?references=none&detail=full"


def test_no_endpoint_configured_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("SDG_SDMX_URL", raising=False)
    with pytest.raises(SourceError, match="no SDMX endpoint configured: set SDG_SDMX_URL"):
        SdmxClient().get_data("DF", "A", "sdmx-ml")


@pytest.mark.parametrize(
    ("fault", "key"), [("500", ML), ("503", JSON), ("500", CSV)], ids=["500-ml", "503-json", "500-csv"]
)
def test_server_error_then_success_is_retried_and_loaded(engine, fault, key):
    fmt = {ML: "sdmx-ml", JSON: "sdmx-json", CSV: "sdmx-csv"}[key]
    faults = Faults({f"format={fmt}": [fault]})
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as server:
        result = ingest("sdmx", key, client=_client(server.url_for("sdmx")))
    assert (result["status"], result["rows"]) == ("loaded", 20)
    assert sum(f"format={fmt}" in path for path in faults.requests) == 2


def test_429_with_retry_after_is_honoured(engine):
    faults = Faults({"format=sdmx-json": ["429:1"]})
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as server:
        started = time.monotonic()
        result = ingest("sdmx", JSON, client=_client(server.url_for("sdmx")))
    assert time.monotonic() - started >= 0.9
    assert (result["status"], result["rows"]) == ("loaded", 20)
    assert len(faults.requests) == 2


@pytest.mark.parametrize(
    ("fault", "key", "reason"),
    [
        ("sleep:1", ML, "request failed after retries"),
        ("truncate", ML, "invalid or truncated XML"),
        ("truncate", JSON, "invalid or truncated JSON"),
        ("truncate", CSV, "truncated or malformed CSV"),
        ("html", JSON, "HTML page instead of SDMX"),
        ("html", ML, "HTML page instead of SDMX"),
        ("404", CSV, "HTTP 404"),
    ],
)
def test_failure_names_url_and_reason_while_another_series_loads(engine, fault, key, reason):
    other = JSON if key != JSON else ML
    fmt = {ML: "sdmx-ml", JSON: "sdmx-json", CSV: "sdmx-csv"}[key]
    faults = Faults({f"format={fmt}": [fault] * 3})
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as server:
        url = server.url_for("sdmx")
        assert ingest("sdmx", other, client=_client(url))["status"] == "loaded"
        before = observations_checksum(engine)
        with pytest.raises(SourceError, match=reason) as info:
            ingest("sdmx", key, client=_client(url, retries=1, read_timeout=0.3))
    assert info.value.url.startswith(f"{url}/data/DF_SDG_KZ/") and f"format={fmt}" in info.value.url
    assert observations_checksum(engine) == before
    assert before[0] == 20
