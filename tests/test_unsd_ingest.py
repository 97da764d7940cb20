"""UN SDG API series through the real ingest loop and warehouse: paging, idempotence and page faults.

Served over HTTP by the replay server from the bundled SYNTHETIC samples (two series, two pages each), or
from altered copies of them. A bad page anywhere must fail its series with nothing loaded, while the other
series still loads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from warehouse_state import observations_checksum

from etl import config
from etl.jobs import ingest
from etl.sources import http
from etl.sources.errors import SourceError
from etl.sources.replay import Faults, ReplayServer
from etl.sources.unsd.client import UnsdClient

DATA = Path("v1") / "sdg" / "Series" / "Data"
SAMPLES = config.SAMPLES_DIR / "unsd" / DATA
POV, UEM = "unsd:SI_POV_NAHC:398", "unsd:SL_TLF_UEM:398"
CODES = {POV: "SI_POV_NAHC", UEM: "SL_TLF_UEM"}
PAGE2 = "seriesCode=SI_POV_NAHC&areaCode=398&page=2&"

#: the expected dims of each sample cut, written out by hand (independent of the parser's code lists)
EXPECTED_DIMS = {
    ("ALLAREA",): "",
    ("URBAN",): "URBANISATION=U",
    ("RURAL",): "URBANISATION=R",
    ("BOTHSEX", "15+"): "",
    ("BOTHSEX", "15-24"): "AGE=Y15T24",
    ("FEMALE", "15+"): "SEX=F",
    ("FEMALE", "15-24"): "AGE=Y15T24|SEX=F",
    ("MALE", "15+"): "SEX=M",
    ("MALE", "15-24"): "AGE=Y15T24|SEX=M",
}


def _pages(series_key: str, folder: Path = SAMPLES) -> list[Path]:
    return sorted(folder.glob(f"{CODES[series_key]}-a398-p*-s20.json"))


def _sample_rows(series_key: str) -> list[dict]:
    return [r for path in _pages(series_key) for r in json.loads(path.read_text(encoding="utf-8"))["data"]]


def _current(engine, series_key: str) -> dict[tuple[str, int], tuple]:
    sql = """
        SELECT o.dims, o.period_end, o.value, o.value_text, o.obs_status, o.kato_code, o.unit, o.snapshot_id
        FROM sdg.observation o JOIN sdg.series s USING (series_id)
        WHERE s.series_key = :k AND o.valid_to IS NULL
    """
    with engine.connect() as conn:
        return {(r[0], r[1].year): tuple(r[2:]) for r in conn.execute(text(sql), {"k": series_key})}


def _snapshots(engine, series_key: str) -> list[dict]:
    sql = "SELECT * FROM sdg.snapshot WHERE series_key = :k ORDER BY snapshot_id"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {"k": series_key}).mappings()]


@contextmanager
def _served(root: Path = config.SAMPLES_DIR, script: dict[str, list[str]] | None = None, read_timeout: float = 5.0):
    """A replay server and a fast-retrying client pointed at it."""
    with ReplayServer(root, faults=Faults(script)) as server:
        session = http.make_session(retries=2, backoff=0.01)
        yield server, UnsdClient(server.url_for("unsd"), session=session, timeout=(2.0, read_timeout))


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "served"
    shutil.copytree(config.SAMPLES_DIR / "unsd", root / "unsd")
    return root, root / "unsd" / DATA


def _edit(path: Path, change) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body), encoding="utf-8")


@pytest.mark.parametrize("series_key", [POV, UEM])
def test_every_row_of_both_pages_is_loaded(engine, series_key):
    rows = _sample_rows(series_key)
    assert len(_pages(series_key)) == 2 and len(rows) == json.loads(_pages(series_key)[0].read_bytes())["totalElements"]

    with _served() as (server, client):
        result = ingest("unsd", series_key, client=client)

    assert result["status"] == "loaded"
    assert result["rows"] == result["inserted"] == len(rows)
    assert (result["revised"], result["unmapped_regions"], result["new_snapshots"]) == (0, 0, 2)
    snaps = _snapshots(engine, series_key)
    assert [s["snapshot_id"] for s in snaps] == result["snapshots"]
    assert [s["sha256"] for s in snaps] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in _pages(series_key)]
    assert "page=1&" in snaps[0]["url"] and "page=2&" in snaps[1]["url"]
    assert all(s["loaded_at"] and s["load_error"] is None for s in snaps)
    assert sum(s["rows_parsed"] for s in snaps) == len(rows)

    current = _current(engine, series_key)
    assert len(current) == len(rows)
    for row in rows:
        cut = tuple(v for k, v in row["dimensions"].items() if k != "Reporting Type")
        value, value_text, status, kato, unit, _ = current[(EXPECTED_DIMS[cut], int(row["timePeriodStart"]))]
        assert (value_text, kato, unit) == (row["value"], "000000000", "PERCENT")
        if status == "A":
            assert value == Decimal(row["value"])
        else:
            assert value is None and status == {"NaN": "missing", "<5": "invalid", "N": "invalid"}[row["value"]]


def test_reingest_is_unchanged(engine):
    with _served() as (server, client):
        first = ingest("unsd", POV, client=client)
        before = observations_checksum(engine)
        second = ingest("unsd", POV, client=client)
    assert (first["status"], second["status"]) == ("loaded", "unchanged")
    assert second["snapshots"] == first["snapshots"] and second["new_snapshots"] == 0
    assert observations_checksum(engine) == before
    assert len(_snapshots(engine, POV)) == 2


@pytest.mark.parametrize(
    ("script", "min_seconds"),
    [(["500"], 0.0), (["503", "502"], 0.0), (["429:1"], 0.9)],
    ids=["500-once", "503-then-502", "429-retry-after"],
)
def test_page_2_retried_then_loaded(engine, script, min_seconds):
    with _served(script={PAGE2: script}) as (server, client):
        started = time.monotonic()
        result = ingest("unsd", POV, client=client)
        elapsed = time.monotonic() - started
    assert result["status"] == "loaded" and result["rows"] == len(_sample_rows(POV))
    assert sum(PAGE2 in path for path in server.faults.requests) == len(script) + 1
    assert elapsed >= min_seconds


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (["500"] * 3, "page 2 of 2: HTTP 500"),
        (["404"], "page 2 of 2: HTTP 404"),
        (["sleep:0.8"] * 3, "page 2 of 2: request failed after retries"),
        (["html"], "page 2 of 2: answered an HTML page instead of JSON"),
        (["truncate"], "page 2 of 2: invalid or truncated JSON"),
    ],
    ids=["500-persistent", "404", "timeout", "html", "truncated"],
)
def test_page_2_failure_fails_the_series_and_loads_nothing(engine, script, reason):
    before = observations_checksum(engine)
    with _served(script={PAGE2: script}, read_timeout=0.3) as (server, client):
        with pytest.raises(
            SourceError,
            match=r"unsd: http://127\.0\.0\.1:\d+/unsd/v1/sdg/Series/Data\?"
            r"seriesCode=SI_POV_NAHC&areaCode=398&page=2&pageSize=20: " + reason,
        ) as info:
            ingest("unsd", POV, client=client)
        assert observations_checksum(engine) == before
        other = ingest("unsd", UEM, client=client)
    assert "page=2" in info.value.url
    assert other["status"] == "loaded" and other["rows"] == len(_sample_rows(UEM))
    assert _current(engine, POV) == {}
    if script[0] in ("html", "truncate"):  # the bad page was kept raw, as received
        assert len(_snapshots(engine, POV)) == 2


def test_a_bad_page_2_keeps_a_revised_page_1_out_too(engine, tmp_path):
    with _served() as (server, client):
        ingest("unsd", POV, client=client)
    before = observations_checksum(engine)
    root, folder = _copy(tmp_path)
    _edit(folder / "SI_POV_NAHC-a398-p1-s20.json", lambda body: body["data"][0].update(value="9.9"))
    with _served(root, script={PAGE2: ["truncate"]}) as (server, client):
        with pytest.raises(SourceError, match="page 2 of 2: invalid or truncated JSON"):
            ingest("unsd", POV, client=client)
    assert observations_checksum(engine) == before
    assert _current(engine, POV)[("", 2015)][1] != "9.9"


def _drop_last_row(body: dict) -> None:
    body["data"].pop()


def _repeat_a_page_1_cut(body: dict) -> None:
    body["data"][0]["dimensions"] = {"Location": "ALLAREA", "Reporting Type": "G"}
    body["data"][0]["timePeriodStart"] = 2015.0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda body: body.update(totalPages=3),
            r"page 2 of 2: the result changed while paging: .* 3/24, page 1 said 2/24",
        ),
        (lambda body: body.update(totalElements=25), "page 2 of 2: the result changed while paging"),
        (lambda body: body.update(pageNumber=1), "page 2 of 2: asked for page 2, answered pageNumber 1"),
        (_drop_last_row, r"2 page\(s\) held 23 rows, totalElements says 24"),
        (
            _repeat_a_page_1_cut,
            r"page 2 row 0 repeats the cut of page 1 row 0 "
            r"\(area 398, period 2015-01-01..2015-12-31, dims \(totals\)\)",
        ),
    ],
    ids=["total-pages", "total-elements", "page-number", "rows-missing", "cut-across-pages"],
)
def test_inconsistent_pages_fail_the_series(engine, tmp_path, change, reason):
    root, folder = _copy(tmp_path)
    _edit(folder / "SI_POV_NAHC-a398-p2-s20.json", change)
    before = observations_checksum(engine)
    with _served(root) as (server, client):
        with pytest.raises(SourceError, match=reason) as info:
            ingest("unsd", POV, client=client)
        assert ingest("unsd", UEM, client=client)["status"] == "loaded"
    assert "page=2&pageSize=20" in info.value.url
    assert _current(engine, POV) == {}
    assert observations_checksum(engine)[0] == before[0] + len(_sample_rows(UEM))


def test_page_1_html_fails_before_paging(engine):
    with _served(script={"seriesCode=SI_POV_NAHC&areaCode=398&page=1&": ["html"]}) as (server, client):
        with pytest.raises(SourceError, match="page 1: answered an HTML page"):
            ingest("unsd", POV, client=client)
    assert not any("page=2" in path for path in server.faults.requests)
    assert _current(engine, POV) == {}


def test_base_url_from_environment(engine, monkeypatch):
    with ReplayServer(config.SAMPLES_DIR) as server:
        monkeypatch.setenv("SDG_UNSD_URL", server.url_for("unsd") + "/")
        result = ingest("unsd", UEM)
    assert result["status"] == "loaded"
    assert _current(engine, UEM)[("", 2018)][:3] == (Decimal("5.0"), "5.0", "A")
    assert {(d, y) for d, y in _current(engine, UEM)} >= {("SEX=F", 2022), ("AGE=Y15T24|SEX=M", 2018)}
