"""One edition of the catalogue per run: the files exactly as the run's sync read them, kept in the warehouse.

Why: the catalogue's files are edited by people while runs are under way, and a run is many steps, often on
several workers. The sync mirrors most of the catalogue into tables at the start of a run, but some files are
read as files by later steps (quality and progress settings, units, region changes, recipients). So that every
step sees the same catalogue, the sync also stores every file's bytes as an edition (``sdg.catalogue_edition``,
keyed by the sha256 over names and bytes, migration 0020), and a step runs :func:`reading_edition`: the newest
stored edition is written once to ``<data_dir>/catalogue-editions/<sha256>/`` and ``config.catalogue_dir()``
points there for the step. A worker needs no copy of the catalogue, and a file edited mid-run waits for the next
sync. Editing commands (imports) and the sync itself read the edited files (``config.catalogue_files_dir()``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.catalogue.files import CatalogueError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edition:
    """The catalogue's files by their name relative to the catalogue folder (``series/taldau.csv``)."""

    files: dict[str, bytes]

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            content = self.files[name]
            digest.update(f"{name}\0{len(content)}\0".encode())
            digest.update(content)
        return digest.hexdigest()


def capture(folder: Path) -> Edition:
    """Every CSV file under ``folder`` (the catalogue people edit), read once."""
    files = {
        PurePosixPath(path.relative_to(folder)).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*.csv"))
        if path.is_file()
    }
    if not files:
        raise CatalogueError(f"catalogue folder {folder} has no CSV files")
    return Edition(files)


def store(conn: Connection, edition: Edition) -> str:
    """Record ``edition`` as the newest (in the caller's transaction, with the mirror it was synced into)."""
    sha = edition.sha256
    known = conn.execute(
        text(
            "INSERT INTO sdg.catalogue_edition (sha256, file_count) VALUES (:s, :n) "
            "ON CONFLICT (sha256) DO UPDATE SET synced_at = now() RETURNING (xmax = 0)"
        ),
        {"s": sha, "n": len(edition.files)},
    ).scalar_one()
    if known:  # a new edition: its files
        conn.execute(
            text("INSERT INTO sdg.catalogue_file (sha256, name, content) VALUES (:s, :n, :c)"),
            [{"s": sha, "n": name, "c": content} for name, content in sorted(edition.files.items())],
        )
    return sha


def newest(conn: Connection) -> str | None:
    """The sha256 of the edition the last sync stored; None before the first sync."""
    return conn.execute(
        text("SELECT sha256 FROM sdg.catalogue_edition ORDER BY synced_at DESC, sha256 LIMIT 1")
    ).scalar()


def materialise(conn: Connection, sha: str, root: Path | None = None) -> Path:
    """The folder holding edition ``sha``'s files, written from the warehouse the first time it is asked for."""
    root = root or config.data_dir() / "catalogue-editions"
    folder = root / sha
    if folder.is_dir():
        return folder
    rows = conn.execute(text("SELECT name, content FROM sdg.catalogue_file WHERE sha256 = :s"), {"s": sha}).all()
    if not rows:
        raise CatalogueError(f"catalogue edition {sha[:12]}… has no files in the warehouse")
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=root))
    try:
        for name, content in rows:
            path = staging / PurePosixPath(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(content))
        if Edition({name: bytes(content) for name, content in rows}).sha256 != sha:
            raise CatalogueError(f"catalogue edition {sha[:12]}…: the stored files do not match their sha256")
        os.rename(staging, folder)  # whole or not at all; another worker may have won the race
    except OSError:
        if not folder.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


@contextmanager
def reading_edition(engine: Engine) -> Iterator[Path]:
    """Within the block, the catalogue is the newest synced edition (the edited files before any sync)."""
    with engine.connect() as conn:
        sha = newest(conn)
        folder = materialise(conn, sha) if sha else None
    if folder is None:
        log.warning("no catalogue edition in the warehouse yet (never synced): reading the catalogue files")
        yield config.catalogue_files_dir()
        return
    with config.reading_catalogue(folder):
        yield folder
