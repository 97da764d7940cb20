"""Declare one ``opensdg`` series per ``data/indicator_<id>.csv`` of a clone of the Open SDG repository.

Only file names are read (never data). Rows already in ``catalogue/series/opensdg.csv`` keep what
people entered (indicator mapping, dims, formula, scale, unit); new ids get empty mappings; ids whose
file disappeared are dropped. Usage::

    python samples/opensdg/make_catalogue.py [/path/to/clone]   # default: ../shared/data/kazstat-sdg-data
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CLONE = ROOT.parent / "shared" / "data" / "kazstat-sdg-data"
TARGET = ROOT / "catalogue" / "series" / "opensdg.csv"
COLUMNS = ["series_key", "indicator_code", "dims", "formula", "scale", "unit_ru", "indicator_id"]
_FILE = re.compile(r"^indicator_([0-9a-z]+(?:-[0-9a-z]+)+)\.csv$")


def _sort_key(indicator_id: str) -> list[tuple[int, str]]:
    """1-2-1 < 1-a-1 < 2-1-1 < 10-1-1: numbers by value, letters after numbers."""
    return [(int(p), "") if p.isdigit() else (10**6, p) for p in indicator_id.split("-")]


def indicator_ids(clone: Path) -> list[str]:
    ids = [m.group(1) for m in (_FILE.match(p.name) for p in (clone / "data").iterdir()) if m]
    return sorted(ids, key=_sort_key)


def main(argv: list[str]) -> int:
    clone = Path(argv[1]) if len(argv) > 1 else DEFAULT_CLONE
    existing: dict[str, dict[str, str]] = {}
    if TARGET.exists():
        with TARGET.open(encoding="utf-8", newline="") as handle:
            existing = {row["indicator_id"]: row for row in csv.DictReader(handle)}
    rows = []
    for indicator_id in indicator_ids(clone):
        row = {c: "" for c in COLUMNS} | {"series_key": f"opensdg:{indicator_id}", "formula": "direct", "scale": "1"}
        rows.append(row | existing.get(indicator_id, {}) | {"indicator_id": indicator_id})
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{TARGET.relative_to(ROOT)}: {len(rows)} series from {clone / 'data'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
