"""Files are read from a folder, not over HTTP: the replay server has nothing to answer for them (404)."""

from __future__ import annotations

from pathlib import Path


def resolve(root: Path, path: str, query: str) -> Path | None:
    return None
