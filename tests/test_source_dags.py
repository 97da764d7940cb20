"""Every source loads through its own nightly DAG (a real ``dag.test()`` run against local servers)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import config

ROOT = Path(__file__).resolve().parents[1]


def _reduced_catalogue(tmp_path: Path) -> Path:
    """The catalogue with the national platform cut to the indicators the replay samples have."""
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    path = folder / "series" / "opensdg.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sampled = {
        p.name.removeprefix("indicator_").removesuffix(".csv")
        for p in (config.SAMPLES_DIR / "opensdg" / "data").glob("*.csv")
    }
    kept = [r for r in rows if r["indicator_id"] in sampled]
    assert len(kept) == len(sampled) > 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return folder


def _loaded(engine, source: str) -> set[str]:
    """Series of ``source`` that have observations in the warehouse."""
    query = (
        "SELECT DISTINCT s.series_key FROM sdg.series s JOIN sdg.observation o USING (series_id) "
        "WHERE s.source = :source"
    )
    with engine.connect() as conn:
        return set(conn.execute(text(query), {"source": source}).scalars())


@pytest.fixture
def sources_env(monkeypatch, tmp_path):
    """Each source pointed at its local stand-in: the replay server, a copy of the sample inbox."""
    from etl.sources.replay import ReplayServer

    inbox = tmp_path / "inbox"
    shutil.copytree(config.SAMPLES_DIR / "files" / "inbox", inbox)
    with ReplayServer(config.SAMPLES_DIR) as server:
        monkeypatch.setenv("SDG_SDMX_URL", server.url_for("sdmx"))
        monkeypatch.setenv("SDG_UNSD_URL", server.url_for("unsd"))
        monkeypatch.setenv("SDG_OPENSDG_URL", server.url_for("opensdg"))
        monkeypatch.setenv("SDG_FILES_INBOX", str(inbox))
        monkeypatch.setenv("SDG_CATALOGUE_DIR", str(_reduced_catalogue(tmp_path)))
        yield server


@pytest.mark.airflow
@pytest.mark.parametrize("source", ["files", "opensdg", "sdmx", "unsd"])
def test_source_dag_loads_every_declared_series(source, airflow_db, warehouse_url, engine, sources_env):
    from airflow.dag_processing.dagbag import DagBag

    from etl.jobs import series_keys

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[f"sdg_ingest_{source}"]
    run = dag.test()
    assert str(getattr(run.state, "value", run.state)) == "success"
    declared = set(series_keys(source))
    loaded = _loaded(engine, source)
    assert declared and loaded == declared
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
    assert states["announce_changes"] == "success"


@pytest.mark.parametrize("source", ["files", "opensdg", "sdmx", "unsd"])
def test_sdg_ingest_cli_loads_every_declared_series(source, warehouse_url, engine, sources_env, capsys):
    """The same code without Airflow: ``sdg ingest --source <source>``, with its progress bar on stderr."""
    from etl.cli import main
    from etl.jobs import series_keys

    assert main(["db", "migrate"]) == 0  # the reduced catalogue becomes the edition every job reads
    capsys.readouterr()
    assert main(["ingest", "--source", source]) == 0
    out, err = capsys.readouterr()
    declared = series_keys(source)
    assert f"{len(declared)} of {len(declared)} series ingested" in out
    assert f"{len(declared)}/{len(declared)}" in err  # tqdm's final count
    loaded = _loaded(engine, source)
    assert loaded == set(declared)
