"""Which sample file answers an Open SDG request (for the local replay server)."""

from __future__ import annotations

import re
from pathlib import Path

_INDICATOR_CSV = re.compile(r"^/data/indicator_([0-9a-z]+(?:-[0-9a-z]+)+)\.csv$")


def resolve(root: Path, path: str, query: str) -> Path | None:
    """``/data/indicator_<id>.csv`` -> ``<root>/data/indicator_<id>.csv``; the id pattern keeps it inside root."""
    match = _INDICATOR_CSV.fullmatch(path)
    if not match:
        return None
    candidate = root / "data" / f"indicator_{match.group(1)}.csv"
    return candidate if candidate.is_file() else None
