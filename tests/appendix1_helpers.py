"""Helpers for the Appendix 1 tests: the catalogue read with plain csv, region genitives, cell edits."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl import config

YEAR = 2025
ASTANA = "710000000"
ABAI = "100000000"
AKMOLA = "110000000"
RU, KK = "Приложение 1", "1-қосымша"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def catalogue_csv(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    return read_csv((folder or config.catalogue_dir()) / name)


def set_generic_body(engine: Engine, code: str, body_ru: str, body_kk: str) -> None:
    """A SYNTHETIC generic body for one indicator (in the catalogue's real form), so golden names stay put
    whatever indicators.csv says."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE sdg.indicator SET responsible_ru = :ru, responsible_kk = :kk WHERE code = :c"),
            {"ru": body_ru, "kk": body_kk, "c": code},
        )


def edit_cells(source: Path, target: Path, cells: dict[str, Any]) -> Path:
    """Copy of ``source`` with cells set, addressed like «Приложение 1!G5» (what an analyst does in Excel)."""
    workbook = load_workbook(source)
    for address, value in cells.items():
        sheet, coordinate = address.split("!")
        workbook[sheet][coordinate] = value
    workbook.save(target)
    return target


def sheet_cells(path: Path, sheet: str, row: int) -> list[Any]:
    """Columns A..K of one sheet row, read back with openpyxl."""
    ws = load_workbook(path)[sheet]
    return [ws.cell(row=row, column=c).value for c in range(1, 12)]
