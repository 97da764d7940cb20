"""Open SDG source end to end: replay server with scripted faults, local clones, ids that cannot escape.

Each fault is asserted through ``ingest_series`` (or ``etl.jobs.ingest``) against the real warehouse:
retried and loaded; or failed with its message while another series loaded and nothing partial stayed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import config, jobs
from etl.catalogue.model import load_series
from etl.ingest.run import ingest_series
from etl.sources import http
from etl.sources.errors import SourceError
from etl.sources.opensdg import replay
from etl.sources.opensdg.client import OpenSdgClient
from etl.sources.opensdg.source import OpenSdgSource
from etl.sources.replay import Faults, ReplayServer

SAMPLES = config.SAMPLES_DIR / "opensdg"
CHECKSUM = "SELECT count(*), md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), '')) FROM sdg.observation t"
#: rows of the synthetic samples
ROWS = {"1-2-1": 201, "9-2-1": 330}
BY_SERIES = "SELECT s.series_key, count(*) FROM sdg.observation JOIN sdg.series s USING (series_id) GROUP BY 1"


def series(indicator_id: str):
    return next(s for s in load_series() if s.source == "opensdg" and s.params["indicator_id"] == indicator_id)


def checksum(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text(CHECKSUM)).one())


def source_for(server: ReplayServer, timeout: tuple[float, float] = (2.0, 5.0)) -> OpenSdgSource:
    session = http.make_session(retries=2, backoff=0.01)
    return OpenSdgSource(OpenSdgClient(server.url_for("opensdg"), session=session, timeout=timeout))


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def server(faults):
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as running:
        yield running


def test_sample_loads_with_exact_bytes_and_url(engine, server):
    fetched = next(source_for(server).fetch(series("5-5-2")))
    assert fetched.url == f"{server.url}/opensdg/data/indicator_5-5-2.csv"
    assert fetched.content == (SAMPLES / "data" / "indicator_5-5-2.csv").read_bytes()
    assert fetched.content.startswith(b"\xef\xbb\xbfYear")
    result = ingest_series(engine, series("1-2-1"), source_for(server))
    assert (result.status, result.rows, result.inserted) == ("loaded", ROWS["1-2-1"], ROWS["1-2-1"])


@pytest.mark.parametrize("script", [["500"], ["503", "500"], ["429:1"]])
def test_server_errors_and_429_are_retried_then_loaded(engine, script):
    faults = Faults({"indicator_1-2-1": script})
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as server:
        result = ingest_series(engine, series("1-2-1"), source_for(server))
    assert result.status == "loaded" and result.rows == ROWS["1-2-1"]
    assert len(faults.requests) == len(script) + 1


@pytest.mark.parametrize(
    ("script", "reason", "requests"),
    [
        (["html"], "HTML page instead of CSV", 1),
        (["truncate"], "truncated body", 1),
        (["404"], "HTTP 404", 1),
        (["500", "500", "500"], "request failed after retries|HTTP 500", 3),
        (["sleep:0.6", "sleep:0.6", "sleep:0.6"], "request failed after retries", 3),
    ],
)
def test_bad_answers_fail_the_series_and_others_still_load(engine, script, reason, requests):
    faults = Faults({"indicator_9-2-1": script})
    before = checksum(engine)
    with ReplayServer(config.SAMPLES_DIR, faults=faults) as server:
        with pytest.raises(SourceError, match=reason) as info:
            ingest_series(engine, series("9-2-1"), source_for(server, timeout=(2.0, 0.3)))
        assert len(faults.requests) == requests
        assert checksum(engine) == before  # the failed series left nothing
        other = ingest_series(engine, series("1-2-1"), source_for(server))
    assert "opensdg: " in str(info.value) and "/data/indicator_9-2-1.csv" in str(info.value)
    assert other.status == "loaded" and other.rows == ROWS["1-2-1"]
    with engine.connect() as conn:  # nothing partial: only the other series' rows arrived
        assert conn.execute(text(BY_SERIES)).all() == [("opensdg:1-2-1", ROWS["1-2-1"])]


def test_same_answer_twice_is_unchanged(engine, server):
    first = ingest_series(engine, series("9-2-1"), source_for(server))
    after_first = checksum(engine)
    second = ingest_series(engine, series("9-2-1"), source_for(server))
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert checksum(engine) == after_first and after_first[0] == ROWS["9-2-1"]


def test_jobs_ingest_reads_the_base_url_from_the_environment(engine, server, monkeypatch):
    monkeypatch.setenv("SDG_OPENSDG_URL", server.url_for("opensdg") + "/")
    result = jobs.ingest("opensdg", "opensdg:3-2-1", session=http.make_session(backoff=0.01))
    assert result["status"] == "loaded" and result["rows"] == 183


@pytest.mark.parametrize("as_uri", [False, True])
def test_local_clone_by_path_or_file_url(engine, as_uri):
    base = SAMPLES.as_uri() if as_uri else str(SAMPLES)
    fetched = next(OpenSdgSource(base_url=base).fetch(series("16-6-2-2")))
    path = SAMPLES / "data" / "indicator_16-6-2-2.csv"
    assert (fetched.url, fetched.status, fetched.content) == (path.resolve().as_uri(), 200, path.read_bytes())
    result = ingest_series(engine, series("16-6-2-2"), OpenSdgSource(base_url=base))
    assert result.status == "loaded" and result.rows == 4


def test_local_clone_missing_file_and_escaping_symlink(tmp_path: Path):
    (tmp_path / "data").mkdir()
    client = OpenSdgClient(str(tmp_path))
    with pytest.raises(SourceError, match="no such file in the local repository"):
        client.indicator_csv("1-2-1")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    shutil.copy(SAMPLES / "data" / "indicator_1-2-1.csv", outside)
    (tmp_path / "data" / "indicator_1-2-1.csv").symlink_to(outside)
    with pytest.raises(SourceError, match="resolves outside the repository folder"):
        client.indicator_csv("1-2-1")


@pytest.mark.parametrize("bad", ["../1-2-1", "1-2-1/../../x", "1_2_1", "1", "3-2-1.csv", "3-2-1\n", "A-1", ""])
def test_ids_cannot_name_other_paths(bad):
    with pytest.raises(ValueError, match="not an Open SDG indicator id"):
        OpenSdgClient(str(SAMPLES)).indicator_csv(bad)


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/data/indicator_1-2-1.csv", "indicator_1-2-1.csv"),
        ("/data/indicator_7-7-7.csv", None),
        ("/data/indicator_../../catalogue.csv", None),
        ("/data/indicator_1-2-1.csv/..", None),
        ("/translations/ru/SEX.yml", None),
    ],
)
def test_replay_resolves_only_indicator_files(path, found):
    got = replay.resolve(SAMPLES, path, "")
    assert (got.name if got else None) == found


def test_unsupported_scheme_is_refused():
    with pytest.raises(ValueError, match="unsupported URL scheme 'ftp'"):
        OpenSdgClient("ftp://example.org/sdg-data")
