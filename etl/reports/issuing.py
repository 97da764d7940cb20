"""Bookkeeping shared by every issued file (forms and extracts): versions, paths, the ``sdg.report`` row.

Issued files are immutable: unchanged content (same content hash) re-uses the latest version, changed
content becomes the next version beside the old one, and an existing file is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

_LATEST = """
SELECT report_id, version, path, sha256, content_sha256, status, created_at, facts_filled FROM sdg.latest_report
WHERE kind = :kind AND kato_code IS NOT DISTINCT FROM :k AND year = :y
"""

_RECORD = """
INSERT INTO sdg.report (kind, kato_code, year, version, status, path, sha256, content_sha256, snapshot_ids,
                        cells, facts_filled, amends_report_id)
SELECT :kind, :k, :y, :v, :s, :p, :sha, :csha, COALESCE(array_agg(DISTINCT sid), '{}'),
       CAST(:cells AS jsonb), :facts, :amends
FROM sdg.indicator_value AS iv, unnest(iv.snapshot_ids) AS sid
WHERE iv.year = :y AND (CAST(:k AS char(9)) IS NULL OR iv.kato_code = :k)
RETURNING report_id
"""


class EmptyReport(ValueError):
    """A report with no Fact at all was asked for without ``allow_empty``: it would tell its reader nothing."""


@dataclass(frozen=True)
class IssuedReport:
    kato_code: str | None
    year: int
    version: int
    path: Path
    sha256: str
    new: bool
    #: ``sdg.report.report_id`` of the version (None when not looked up)
    report_id: int | None = None
    status: str | None = None
    #: indicator rows with a numeric Fact (None: not counted)
    facts_filled: int | None = None


def content_digest(payload: object) -> str:
    """sha256 of what a report says (JSON, keys sorted; Decimals and dates as text): equal content, equal hash."""
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


def latest_report(conn: Connection, kind: str, kato_code: str | None, year: int) -> Any:
    """The newest recorded version of one report (a row with ``version``, ``path``, ``content_sha256``...)."""
    return conn.execute(text(_LATEST), {"kind": kind, "k": kato_code, "y": year}).one_or_none()


def unchanged(latest: Any, digest: str) -> bool:
    """The latest version already says this (same content hash) and its file is still there."""
    return latest is not None and latest.content_sha256 == digest and Path(latest.path).exists()


def new_version_path(latest: Any, folder: Path, stem: str) -> tuple[int, Path]:
    """The next version number and its file ``folder/<stem>_v<N>.xlsx``, refusing to overwrite."""
    version = 1 if latest is None else latest.version + 1
    path = folder / f"{stem}_v{version}.xlsx"
    if path.exists():
        raise FileExistsError(
            f"{path} exists but this warehouse has no record of it (another warehouse issued it?); "
            "issued files are never overwritten: move it away or set SDG_REPORTS_DIR"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return version, path


def record_report(
    conn: Connection,
    kind: str,
    kato_code: str | None,
    year: int,
    version: int,
    status: str,
    path: Path,
    digest: str,
    *,
    cells: dict | None = None,
    facts_filled: int | None = None,
    amends: int | None = None,
) -> IssuedReport:
    """Record a written file (its sha256 and the snapshots behind the year's facts) in ``sdg.report``, with the
    cells it printed, how many Facts it carries and the official version it amends (``amendments``)."""
    file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    params = {"kind": kind, "k": kato_code, "y": year, "v": version, "s": status, "p": str(path)}
    extra = {
        "cells": None if cells is None else json.dumps(cells, ensure_ascii=False, sort_keys=True),
        "facts": facts_filled,
        "amends": amends,
    }
    report_id = conn.execute(text(_RECORD), {**params, "sha": file_sha, "csha": digest, **extra}).scalar_one()
    log.info(
        "issued %s %s %s v%d (%s, %s Facts): %s",
        kind,
        kato_code or "national",
        year,
        version,
        status,
        "?" if facts_filled is None else facts_filled,
        path,
    )
    return IssuedReport(kato_code, year, version, path, file_sha, True, report_id, status, facts_filled)


def reused(latest: Any, kato_code: str | None, year: int) -> IssuedReport:
    """The latest version, issued before with the same content: nothing new."""
    log.info(
        "unchanged %s %s v%d: %s is still current, not issued again",
        kato_code or "national",
        year,
        latest.version,
        latest.path,
    )
    return IssuedReport(
        kato_code,
        year,
        latest.version,
        Path(latest.path),
        latest.sha256,
        False,
        latest.report_id,
        latest.status,
        getattr(latest, "facts_filled", None),
    )


def save_atomically(workbook: Any, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename: no half-written workbook is ever visible."""
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {path.name}: directory {directory} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            workbook.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
