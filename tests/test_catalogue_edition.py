"""Every step of a run reads the catalogue edition its sync stored, not whatever the files say meanwhile (issue 12,
point 3). The catalogue here is a copy of the repository's, edited by the test (synthetic edits, real formats)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import config, jobs
from etl.catalogue import edition
from etl.catalogue.files import CatalogueError
from etl.delivery.send import load_recipients
from etl.quality.settings import load_quality_settings

pytestmark = pytest.mark.db

RECIPIENT = "appendix2,*,email,edited-after-sync@example.kz,Added after the sync\n"


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    monkeypatch.setenv("SDG_CATALOGUE_DIR", str(folder))
    return folder


def _sync(engine) -> str:
    from etl.catalogue.sync import sync_catalogue

    with engine.begin() as conn:
        sync_catalogue(conn)
        return edition.newest(conn)


def test_an_edition_is_the_files_bytes_and_survives_the_round_trip(engine, catalogue: Path, tmp_path: Path) -> None:
    sha = _sync(engine)
    captured = edition.capture(catalogue)
    assert sha == captured.sha256 and "series/taldau.csv" in captured.files
    with engine.connect() as conn:
        folder = edition.materialise(conn, sha, tmp_path / "editions")
        assert edition.materialise(conn, sha, tmp_path / "editions") == folder  # written once, then reused
    for name, content in captured.files.items():
        assert (folder / name).read_bytes() == content, name
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.csv")) == sorted(captured.files)


def test_a_step_reads_the_synced_edition_until_the_next_sync(engine, catalogue: Path) -> None:
    first = _sync(engine)
    with (catalogue / "recipients.csv").open("a", encoding="utf-8") as handle:
        handle.write(RECIPIENT)
    quality = catalogue / "quality.csv"
    quality.write_text(quality.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")

    edited = [r.address for r in load_recipients()]
    assert "edited-after-sync@example.kz" in edited and load_quality_settings() == {}
    with edition.reading_edition(engine) as folder:
        assert folder.name == first and config.catalogue_dir() == folder
        assert "edited-after-sync@example.kz" not in [r.address for r in load_recipients()]
        assert load_quality_settings() != {}  # the synced quality.csv, not the emptied one
    assert config.catalogue_dir() == catalogue  # only within the block

    second = _sync(engine)
    assert second != first
    with edition.reading_edition(engine):
        assert "edited-after-sync@example.kz" in [r.address for r in load_recipients()]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.catalogue_edition")).scalar_one() == 2


def test_jobs_run_on_the_edition(engine, catalogue: Path) -> None:
    """A job reads the synced series list even after a series was deleted from its file on disk."""
    _sync(engine)
    before = jobs.series_keys("taldau")
    taldau = catalogue / "series" / "taldau.csv"
    lines = taldau.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    formulas = (catalogue / "formulas.csv").read_text(encoding="utf-8")
    dropped = next(line for line in reversed(lines[1:]) if line.split(",")[0] not in formulas)
    key = dropped.split(",")[0]
    assert key in before
    taldau.write_text("".join(line for line in lines if line != dropped), encoding="utf-8")
    assert jobs.series_keys("taldau") == before
    _sync(engine)
    assert jobs.series_keys("taldau") == [k for k in before if k != key]


def test_resyncing_the_same_files_keeps_one_edition(engine, catalogue: Path) -> None:
    assert _sync(engine) == _sync(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), min(file_count) FROM sdg.catalogue_edition")).one()
        files = conn.execute(text("SELECT count(*) FROM sdg.catalogue_file")).scalar_one()
    assert rows[0] == 1 and rows[1] == files == len(edition.capture(catalogue).files)


def test_a_warehouse_never_synced_reads_the_files(empty_db_url: str, catalogue: Path) -> None:
    from etl.warehouse.connection import get_engine
    from etl.warehouse.migrate import migrate

    migrate(empty_db_url)
    with edition.reading_edition(get_engine(empty_db_url)) as folder:
        assert folder == catalogue == config.catalogue_dir()


def test_a_file_edited_during_the_sync_fails_it_and_stores_nothing(engine, catalogue: Path, monkeypatch) -> None:
    from etl.catalogue import sync

    real = sync.sync_planning

    def planning_then_edit(conn, folder):
        done = real(conn, folder)
        (catalogue / "units.csv").write_text((catalogue / "units.csv").read_text() + "\n", encoding="utf-8")
        return done

    monkeypatch.setattr(sync, "sync_planning", planning_then_edit)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM sdg.catalogue_edition")).scalar_one()
    with pytest.raises(CatalogueError, match="changed while it was being synced"):
        _sync(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.catalogue_edition")).scalar_one() == before


def test_stored_files_that_do_not_match_their_sha_are_refused(engine, catalogue: Path, tmp_path: Path) -> None:
    sha = _sync(engine)
    with engine.begin() as conn:
        tamper = "UPDATE sdg.catalogue_file SET content = 'x' WHERE sha256 = :s AND name = 'units.csv'"
        conn.execute(text(tamper), {"s": sha})
    with engine.connect() as conn, pytest.raises(CatalogueError, match="do not match"):
        edition.materialise(conn, sha, tmp_path / "editions")
    assert not (tmp_path / "editions" / sha).exists()


def test_the_sync_is_the_one_writer_of_series(engine, replay) -> None:
    """Ingesting a series the sync has not mirrored fails naming the cure, and writes no series row."""
    import dataclasses

    from etl.catalogue.model import load_series
    from etl.ingest.run import ingest_series
    from etl.sources.registry import get_source

    declared = next(s for s in load_series() if s.series_key == "taldau:704460:p7")
    unsynced = dataclasses.replace(declared, series_key="taldau:704460:p7-not-synced")
    with pytest.raises(CatalogueError, match=r"not in the warehouse: the catalogue was not synced.*sdg db migrate"):
        ingest_series(engine, unsynced, get_source("taldau"))
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM sdg.series WHERE series_key = :k"), {"k": unsynced.series_key})
        assert found.scalar_one() == 0
