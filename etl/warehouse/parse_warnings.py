"""Parse warnings stored on their snapshot (``sdg.snapshot.parse_warnings``, migration 0014).

A parser that skips or doubts rows without failing the series (a row shorter than its header, a
``GeoCode`` that contradicts ``REF_AREA``) counts them in ``ParseResult.warnings`` with the first few rows
named in ``warning_samples``. The ingest loop is to store them with :func:`record_parse_warnings` in its
load transaction, so every snapshot says what of it was not loaded as read, and the view
``sdg.snapshot_parse_warning`` lists them one row per kind. Re-recording a snapshot replaces its warnings:
a re-run of the same snapshot stores the same thing once (idempotent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)
#: samples kept per kind, and characters kept per sample
MAX_SAMPLES = 5
MAX_SAMPLE_CHARS = 500


def record_parse_warnings(
    conn: Connection,
    snapshot_id: int,
    warnings: Mapping[str, int],
    samples: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict]:
    """Store ``warnings`` (kind -> row count) and their ``samples`` on the snapshot; return what was stored.

    Kinds with a zero count are left out; a negative or non-integer count is a ``ValueError`` naming the kind,
    a snapshot that does not exist a ``LookupError``.
    """
    stored: dict[str, dict] = {}
    for kind, count in sorted(warnings.items()):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"snapshot {snapshot_id}: parse warning {kind!r} has count {count!r}, not a count")
        if count:
            kept = [_clean(s) for s in (samples or {}).get(kind, ())][:MAX_SAMPLES]
            stored[_clean(kind)] = {"count": count, "samples": kept}
    updated = conn.execute(
        text("UPDATE sdg.snapshot SET parse_warnings = CAST(:w AS jsonb) WHERE snapshot_id = :s"),
        {"w": json.dumps(stored, ensure_ascii=False), "s": snapshot_id},
    ).rowcount
    if not updated:
        raise LookupError(f"snapshot {snapshot_id} does not exist: parse warnings not stored")
    for kind, entry in stored.items():
        log.warning("snapshot %s: %s %s row(s), e.g. %s", snapshot_id, entry["count"], kind, entry["samples"][:1])
    return stored


def parse_warnings(conn: Connection, snapshot_id: int) -> dict[str, dict]:
    """What :func:`record_parse_warnings` stored for the snapshot (``{}`` when nothing)."""
    value = conn.execute(
        text("SELECT parse_warnings FROM sdg.snapshot WHERE snapshot_id = :s"), {"s": snapshot_id}
    ).scalar_one_or_none()
    return dict(value or {})


def _clean(value: object) -> str:
    """Text jsonb can hold (no NUL: a sample may quote a bad row), cut to :data:`MAX_SAMPLE_CHARS`."""
    return str(value).replace("\x00", "\\x00")[:MAX_SAMPLE_CHARS]
