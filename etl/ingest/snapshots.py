"""Raw responses kept as received: content-addressed files with a manifest, recorded in the warehouse.

A snapshot is keyed by (source, series, sha256). Fetching the same bytes again finds the existing row,
and a snapshot already loaded makes every downstream step a no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl import config
from etl.sources.http import Fetched


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    sha256: str
    path: Path
    already_loaded: bool


def blob_path(root: Path, source: str, sha256: str) -> Path:
    return root / source / sha256[:2] / sha256


def write_blob(fetched: Fetched, source: str, series_key: str, root: Path | None = None) -> tuple[str, Path]:
    """Write the bytes (once) and a JSON manifest beside them; return (sha256, path)."""
    root = root or config.snapshot_dir()
    digest = hashlib.sha256(fetched.content).hexdigest()
    path = blob_path(root, source, digest)
    if not path.exists():
        _atomic_write(path, fetched.content)
    manifest = {
        "source": source,
        "series_key": series_key,
        "url": fetched.url,
        "params": fetched.params,
        "fetched_at": fetched.fetched_at.isoformat(),
        "http_status": fetched.status,
        "content_type": fetched.content_type,
        "size_bytes": len(fetched.content),
        "sha256": digest,
    }
    manifest_path = path.with_name(f"{digest}.{_safe(series_key)}.json")
    if not manifest_path.exists():
        _atomic_write(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return digest, path


def record(conn: Connection, fetched: Fetched, source: str, series_key: str, root: Path | None = None) -> Snapshot:
    """Store the raw answer and its manifest row; tell whether it was loaded before."""
    digest, path = write_blob(fetched, source, series_key, root)
    row = conn.execute(
        text(
            """
            INSERT INTO sdg.snapshot (source, series_key, sha256, url, params, fetched_at, http_status,
                                      size_bytes, storage_path)
            VALUES (:source, :series_key, :sha, :url, CAST(:params AS jsonb), :fetched_at, :status, :size, :path)
            ON CONFLICT (source, series_key, sha256) DO UPDATE SET sha256 = EXCLUDED.sha256
            RETURNING snapshot_id, loaded_at IS NOT NULL
            """
        ),
        {
            "source": source,
            "series_key": series_key,
            "sha": digest,
            "url": fetched.url,
            "params": json.dumps(fetched.params),
            "fetched_at": fetched.fetched_at,
            "status": fetched.status,
            "size": len(fetched.content),
            "path": str(path),
        },
    ).one()
    return Snapshot(snapshot_id=row[0], sha256=digest, path=path, already_loaded=bool(row[1]))


def read_blob(path: Path, expected_sha256: str) -> bytes:
    """Read a stored snapshot back, refusing it if the bytes no longer match their hash."""
    content = Path(path).read_bytes()
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected_sha256:
        raise ValueError(f"snapshot {path} is corrupt: sha256 {actual} != recorded {expected_sha256}")
    return content


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
