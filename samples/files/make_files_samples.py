"""Generate the demo's inbox of responsible bodies' reports (SYNTHETIC values, real template).

``inbox/health_2024.xlsx`` (health department: XLSX, two indicators, one by sex) and
``inbox/education_2024.csv`` (education department: Russian-Excel CSV with ``;``, BOM and decimal
commas, by urban/rural). Values are seeded random numbers; they are not statistics.
Run: ``.venv/bin/python samples/files/make_files_samples.py``.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from etl.catalogue.model import load_regions
from etl.sources.files.template import COLUMNS, DATA_SHEET

INBOX = Path(__file__).resolve().parent / "inbox"
YEARS = (2023, 2024)


def _regions() -> list[tuple[str, str]]:
    return [(r.kato_code, r.name_ru) for r in load_regions() if r.valid_to is None]


def health_rows(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for kato, name in _regions():
        for year in YEARS:
            rate = round(rng.uniform(0.05, 0.4), 2)
            rows.append(["3.3.1", kato, name, year, rate, "на 1000 неинфицированных", "", "Минздрав, форма 1", ""])
            for sex in ("F", "M"):
                value = round(rate * rng.uniform(0.6, 1.4), 2)
                rows.append(["3.3.1", kato, name, year, value, "на 1000 неинфицированных", f"SEX={sex}", "", ""])
            coverage = f"{rng.uniform(90, 99.5):.1f}".replace(".", ",")
            rows.append(["3.b.1", kato, name, year, coverage, "процент", "", "Минздрав", ""])
    rows[5][4] = "x"  # confidential
    rows[9][4] = "-"  # no data
    rows[9][8] = "данные уточняются"
    return rows


def education_rows(rng: random.Random) -> list[list[str]]:
    rows = []
    for kato, name in _regions():
        for year in YEARS:
            for area in ("", "URBANISATION=U", "URBANISATION=R"):
                value = f"{rng.uniform(85, 100):.1f}".replace(".", ",")
                rows.append(["4.1.2", kato, name, str(year), value, "процент", area, "отчёт управления", ""])
    rows[3][4] = "x"
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([c.title for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    for cell in sheet["B"]:
        cell.number_format = "@"
    book.properties.created = book.properties.modified = datetime(2025, 1, 10)
    book.save(path)


def write_csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in COLUMNS])
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


if __name__ == "__main__":
    rng = random.Random("sdg-kz-files-samples-v1")
    INBOX.mkdir(parents=True, exist_ok=True)
    write_xlsx(INBOX / "health_2024.xlsx", health_rows(rng))
    write_csv(INBOX / "education_2024.csv", education_rows(rng))
    print(f"wrote {INBOX}")
