"""The documented template of a responsible body's report: its columns, in one place.

The parser, the shipped template files (``templates/make_template.py``) and ``docs/file-template.md``
all follow this list, so the template people fill and the checks their files meet cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool
    hint: str


COLUMNS: tuple[Column, ...] = (
    Column("indicator", "Код индикатора", True, "номер национального индикатора ЦУР (например 3.3.1) или код ряда"),
    Column("kato", "Код КАТО", True, "9 цифр, например 710000000 (ячейка в текстовом формате)"),
    Column("region", "Регион", False, "наименование региона (для справки, не проверяется)"),
    Column("year", "Год", True, "отчётный год, четыре цифры"),
    Column("value", "Значение", True, "число (можно с запятой), x — конфиденциально, - или пусто — нет данных"),
    Column("unit", "Единица измерения", False, "например: процент; на 1000 человек"),
    Column("breakdown", "Разрез", False, "необязательно: SEX=F; AGE=Y15T24; URBANISATION=U (пусто — итого)"),
    Column("source", "Источник", False, "административные данные, отчёт и т.п."),
    Column("note", "Примечание", False, "пояснения"),
)
BY_KEY = {c.key: c for c in COLUMNS}
#: the sheet people fill; the parser uses it, or the first sheet when no sheet has this name
DATA_SHEET = "Данные"
INSTRUCTION_SHEET = "Инструкция"
#: dimension reserved for the row's indicator code (one submitter's file may hold several indicators)
INDICATOR_DIM = "INDICATOR"


def normalise_title(raw: object) -> str:
    """Header cells as people type them: case, spaces, non-breaking spaces and ё do not matter."""
    text = "" if raw is None else str(raw)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().lower().replace("ё", "е")


TITLES = {normalise_title(c.title): c for c in COLUMNS}
