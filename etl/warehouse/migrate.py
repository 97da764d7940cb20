"""Ordered SQL migrations from ``sql/migrations``, applied once each and remembered.

Pending files ``NNNN_name.sql`` run in one transaction together with the rows that record them
(PostgreSQL DDL is transactional), so a failing migration leaves the database as it was. The recorded
sha256 guards against editing history: a migration whose text changed after it was applied is an error,
not a silent no-op.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from etl import config
from etl.warehouse.connection import get_engine

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 236_2024  # advisory lock id: one migrator at a time per database

_BOOTSTRAP = """
CREATE SCHEMA IF NOT EXISTS sdg_meta;
CREATE TABLE IF NOT EXISTS sdg_meta.schema_migration (
    version     text PRIMARY KEY,
    name        text NOT NULL,
    sha256      text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(RuntimeError):
    """A migration file is malformed, or an applied one was changed afterwards."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(folder: Path | None = None) -> list[Migration]:
    """The migrations in ``folder`` in version order; a stray file name is an error."""
    folder = folder or config.SQL_DIR / "migrations"
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration file names must look like 0001_name.sql")
        found.append(Migration(match.group(1), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a version number: {versions}")
    return found


def applied(url: str | None = None) -> dict[str, str]:
    """Version -> sha256 of what this database has applied (empty for a new database)."""
    with get_engine(url).begin() as conn:
        exists = conn.execute(text("SELECT to_regclass('sdg_meta.schema_migration')")).scalar()
        if exists is None:
            return {}
        rows = conn.execute(text("SELECT version, sha256 FROM sdg_meta.schema_migration"))
        return {version: digest for version, digest in rows}


def migrate(url: str | None = None, folder: Path | None = None) -> list[str]:
    """Apply every pending migration; return the file names applied (empty when up to date)."""
    migrations = discover(folder)
    done: list[str] = []
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        _run_script(conn, _BOOTSTRAP)
        recorded: dict[str, str] = dict(
            conn.execute(text("SELECT version, sha256 FROM sdg_meta.schema_migration")).all()
        )
        _check_unchanged(migrations, recorded)
        for migration in migrations:
            if migration.version in recorded:
                continue
            _run_script(conn, migration.sql)
            conn.execute(
                text("INSERT INTO sdg_meta.schema_migration (version, name, sha256) VALUES (:v, :n, :s)"),
                {"v": migration.version, "n": migration.name, "s": migration.sha256},
            )
            done.append(migration.path.name)
    return done


def _check_unchanged(migrations: list[Migration], recorded: dict[str, str]) -> None:
    by_version = {m.version: m for m in migrations}
    for version, digest in recorded.items():
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(f"database has migration {version} applied but sql/migrations lacks it")
        if migration.sha256 != digest:
            raise MigrationError(
                f"{migration.path.name} was changed after it was applied "
                f"(applied sha256 {digest[:12]}…, file now {migration.sha256[:12]}…); "
                "add a new migration instead of editing an applied one"
            )


def _run_script(conn, sql: str) -> None:
    """Run a multi-statement script as is (no parameter parsing, so ``%`` in SQL is safe)."""
    with conn.connection.cursor() as cur:
        cur.execute(sql)
