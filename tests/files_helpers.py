"""Crafted responsible-body reports for the files tests (SYNTHETIC values), written as XLSX or CSV bytes."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from etl.catalogue.model import load_regions
from etl.sources.files.template import COLUMNS

HEADER = [c.title for c in COLUMNS]
KNOWN_KATO = frozenset(r.kato_code for r in load_regions())


def row(indicator="3.3.1", kato="710000000", year=2024, value="12,5", unit="процент", breakdown="", **extra) -> list:
    """One data row in template order (region, source and note informative)."""
    values = {
        "indicator": indicator,
        "kato": kato,
        "region": "г. Астана",
        "year": year,
        "value": value,
        "unit": unit,
        "breakdown": breakdown,
        "source": "тест",
        "note": "",
    }
    values.update(extra)
    return [values[c.key] for c in COLUMNS]


def xlsx_bytes(rows: list[list], header: list | None = None, sheet: str = "Данные") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ",", bom: bool = False, header: list | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    writer.writerows([["" if v is None else str(v) for v in r] for r in rows])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")
