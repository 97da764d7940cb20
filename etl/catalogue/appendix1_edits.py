"""What an analyst changed in an issued Appendix 1 XLSX: every visible cell read as its column asks and compared
with the workbook's very hidden record of what was issued (``etl.reports.appendix1``), bad cells named by sheet
and address in the sheet's language («Приложение 1!G7: ожидается число»).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from etl.catalogue.files import CatalogueError
from etl.catalogue.model import load_regions
from etl.reports.appendix1 import HEADER_ROW, ISSUED_MARK, ISSUED_SHEET, TEXTS

_LANGUAGES = {"ru": 0, "kk": 1}
_ROW_NO = re.compile(r"^\d+(\.\d+)*$")
_CLASS = re.compile(r"^([123])(\s*[–—-].*)?$")

#: sheet column -> (appendix1.csv column, ``{lang}`` filled with the sheet's language; how the cell is read)
_COLUMNS: dict[int, tuple[str | None, str]] = {
    1: ("row_no", "key"),
    2: ("indicator_code", "code"),
    3: (None, "fixed"),  # national indicator: from the catalogue
    4: ("regional_name_{lang}", "text"),
    5: ("classification", "class"),
    6: (None, "fixed"),  # unit: from the catalogue
    7: ("baseline_value", "number"),
    8: ("baseline_year", "year"),
    9: ("target_value", "number"),
    10: ("target_year", "year"),
    11: ("responsible_{lang}", "text"),
}

# (Russian, Kazakh): a bad cell is named in its sheet's language
_MESSAGES = {
    "number": ("ожидается число", "сан күтіледі"),
    "year": ("ожидается год: целое число от 1990 до 2100", "жыл күтіледі: 1990–2100 аралығындағы бүтін сан"),
    "class": ("ожидается классификация 1, 2 или 3", "жіктеу күтіледі: 1, 2 немесе 3"),
    "text": ("ожидается текст", "мәтін күтіледі"),
    "fixed": ("столбец заполняется из каталога и не редактируется", "баған каталогтан толтырылады, өзгертілмейді"),
    "code": (
        "номер национального индикатора строки не меняется; добавьте строку с новым номером",
        "жолдың ұлттық индикатор нөмірі өзгертілмейді; жаңа нөмірмен жол қосыңыз",
    ),
    "unknown_code": ("неизвестный национальный индикатор {value}", "белгісіз ұлттық индикатор {value}"),
    "row_no": ("ожидается номер строки: числа через точку (3, 2.1)", "жол нөмірі күтіледі: нүктемен бөлінген сандар"),
    "repeated": ("строка № {value} повторяется", "№ {value} жол қайталанады"),
    "missing": (
        "строка № {value} перечня отсутствует; строки перечня не удаляются",
        "тізбенің № {value} жолы жоқ; тізбе жолдары жойылмайды",
    ),
    "conflict": ("изменено иначе, чем {value}", "{value} ұяшығынан басқаша өзгертілген"),
    "new_class": ("новой строке нужна классификация", "жаңа жолға жіктеу қажет"),
    "new_name": (
        "строке без национального индикатора нужно региональное название на листе «Приложение 1»",
        "ұлттық индикаторы жоқ жолға «Приложение 1» парағында өңірлік атау қажет",
    ),
    "headers": ("заголовки таблицы не совпадают с формой: {value}", "кесте тақырыптары нысанмен сәйкес емес: {value}"),
    "no_sheet": ("лист отсутствует", "парақ жоқ"),
}


class Appendix1ImportError(CatalogueError):
    """The file is refused; ``errors`` names every bad cell (sheet!address: what is wrong)."""

    def __init__(self, path: Path, errors: list[str]):
        self.errors = errors
        super().__init__(f"{Path(path).name}: {len(errors)} error(s), nothing imported:\n" + "\n".join(errors))


@dataclass(frozen=True)
class CellEdit:
    """One accepted cell: where it is, the catalogue column it sets, what was issued and what it is now."""

    sheet: str
    address: str
    row_no: str
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Issued:
    """What the workbook said when it was issued (its very hidden sheet)."""

    kato: str
    year: int
    version: int
    #: language -> row_no -> the 11 cell values as issued
    rows: dict[str, dict[str, list[Any]]]


class _Bad(ValueError):
    """A cell that cannot be read as its column asks; the argument is a key of ``_MESSAGES``."""


def changed_cells(workbook: Any, issued: Issued, codes: set[str], path: Path) -> dict[str, dict[str, CellEdit]]:
    """row_no -> catalogue column -> the analyst's edit, for both sheets; any bad cell refuses the file."""
    errors: list[str] = []
    edits = [edit for language in TEXTS for edit in _sheet_edits(workbook, language, issued, codes, errors)]
    changes = _merge(edits, errors)
    _check_new_rows(changes, issued, errors)
    if errors:
        raise Appendix1ImportError(path, errors)
    return changes


def open_workbook(path: Path, data: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not an XLSX workbook
        raise Appendix1ImportError(path, [f"не книга XLSX / XLSX кітабы емес: {exc}"]) from exc


def read_issued(workbook: Any, path: Path, folder: Path) -> Issued:
    """What the file said when issued (its very hidden sheet), for a region that exists now."""
    if ISSUED_SHEET not in workbook.sheetnames:
        raise Appendix1ImportError(
            path,
            [
                f"нет скрытого листа {ISSUED_SHEET}: файл выпущен не командой «sdg report appendix1» / "
                f"{ISSUED_SHEET} жасырын парағы жоқ: файлды «sdg report appendix1» шығармаған"
            ],
        )
    ws = workbook[ISSUED_SHEET]
    mark, kato, year, version = (ws.cell(row=1, column=c).value for c in range(1, 5))
    current = {r.kato_code for r in load_regions(folder) if r.kind != "country" and r.valid_to is None}
    if mark != ISSUED_MARK or str(kato) not in current or not isinstance(year, int) or not isinstance(version, int):
        raise Appendix1ImportError(
            path, [f"{ISSUED_SHEET}!A1: регион {kato!r} не найден в каталоге / өңір {kato!r} каталогта табылмады"]
        )
    rows: dict[str, dict[str, list[Any]]] = {language: {} for language in TEXTS}
    for values in ws.iter_rows(min_row=2, max_col=12, values_only=True):
        if values[0] in rows:
            rows[values[0]][str(values[1])] = list(values[1:12])
    return Issued(str(kato), int(year), int(version), rows)


def _message(key: str, language: str, value: Any = "") -> str:
    return _MESSAGES[key][_LANGUAGES[language]].format(value=value)


def _sheet_edits(workbook: Any, language: str, issued: Issued, codes: set[str], errors: list[str]) -> list[CellEdit]:
    """The cells of one sheet that differ from what was issued; bad cells go to ``errors``."""
    name = TEXTS[language]["sheet"]
    if name not in workbook.sheetnames:
        errors.append(f"{name}: {_message('no_sheet', language)}")
        return []
    ws = workbook[name]
    headers = tuple(_plain_text(ws.cell(row=HEADER_ROW, column=c).value) for c in _COLUMNS)
    if headers != TEXTS[language]["columns"]:
        errors.append(f"{name}!A{HEADER_ROW}: {_message('headers', language, headers)}")
        return []
    edits: list[CellEdit] = []
    seen: set[str] = set()
    for excel_row, row_no in _data_rows(ws, language, errors):
        if row_no in seen:
            errors.append(f"{name}!A{excel_row}: {_message('repeated', language, row_no)}")
            continue
        seen.add(row_no)
        before = issued.rows[language].get(row_no)
        edits += _row_edits(ws, excel_row, row_no, before, language, codes, errors)
    for row_no in issued.rows[language]:
        if row_no not in seen:
            errors.append(f"{name}: {_message('missing', language, row_no)}")
    return edits


def _data_rows(ws: Worksheet, language: str, errors: list[str]) -> Iterator[tuple[int, str]]:
    """(sheet row, row number) of every filled row under the header; a bad row number is an error."""
    for excel_row in range(HEADER_ROW + 1, ws.max_row + 1):
        values = [ws.cell(row=excel_row, column=c).value for c in _COLUMNS]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        raw = values[0]
        row_no = str(int(raw)) if isinstance(raw, int | float) and float(raw).is_integer() else _plain_text(raw)
        if not row_no or not _ROW_NO.match(row_no):
            errors.append(f"{ws.title}!A{excel_row}: {_message('row_no', language)}")
            continue
        yield excel_row, row_no


def _row_edits(
    ws: Worksheet,
    excel_row: int,
    row_no: str,
    before: list[Any] | None,
    language: str,
    codes: set[str],
    errors: list[str],
) -> list[CellEdit]:
    """Edits of one row: each cell read as its column asks and compared with the issued cell (a new row: None)."""
    edits = []
    for column, (field, kind) in list(_COLUMNS.items())[1:]:
        cell = ws.cell(row=excel_row, column=column)
        where = f"{ws.title}!{cell.coordinate}"
        try:
            new = _read(kind, cell.value)
            old = _read(kind, before[column - 1]) if before else None
        except _Bad as bad:
            errors.append(f"{where}: {_message(str(bad), language)}")
            continue
        if new == old or (field is None and before is None):  # a new row's catalogue columns are not read
            continue
        problem = _refusal(kind, new, before is not None, codes)
        if problem:
            errors.append(f"{where}: {_message(problem, language, new)}")
            continue
        assert field is not None  # only catalogue-filled columns have none, and _refusal refused their change
        edits.append(CellEdit(ws.title, cell.coordinate, row_no, field.format(lang=language), old, new))
    return edits


def _refusal(kind: str, new: Any, existing_row: bool, codes: set[str]) -> str | None:
    """Why a changed cell cannot be taken (a key of ``_MESSAGES``), or None."""
    if kind == "fixed":
        return None if not existing_row else "fixed"
    if kind == "code" and existing_row:
        return "code"
    if kind == "code" and new is not None and new not in codes:
        return "unknown_code"
    return None


def _read(kind: str, value: Any) -> Any:
    """A cell as its column's type: text (spaces collapsed), Decimal, year, classification 1-3; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind in ("text", "fixed", "code"):
        return _plain_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Bad(kind)
    return {"number": _decimal, "year": _year, "class": classification}[kind](value)


def _plain_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _decimal(value: int | float | str | Decimal) -> Decimal:
    raw = str(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise _Bad("number") from exc
    if not number.is_finite():
        raise _Bad("number")
    return number


def _year(value: int | float | str | Decimal) -> int:
    try:
        number = _decimal(value)
    except _Bad as exc:
        raise _Bad("year") from exc
    if number != number.to_integral_value() or not 1990 <= number <= 2100:
        raise _Bad("year")
    return int(number)


def classification(value: int | float | str | Decimal) -> int:
    match = _CLASS.match(_plain_text(value))
    if not match:
        raise _Bad("class")
    return int(match.group(1))


def _merge(edits: list[CellEdit], errors: list[str]) -> dict[str, dict[str, CellEdit]]:
    """row_no -> catalogue column -> edit; one value changed differently on the two sheets is an error."""
    changes: dict[str, dict[str, CellEdit]] = {}
    for edit in edits:
        fields = changes.setdefault(edit.row_no, {})
        other = fields.get(edit.column)
        if other is None:
            fields[edit.column] = edit
        elif other.new != edit.new:
            for one, two in ((other, edit), (edit, other)):
                language = "ru" if one.sheet == TEXTS["ru"]["sheet"] else "kk"
                errors.append(
                    f"{one.sheet}!{one.address}: {_message('conflict', language, f'{two.sheet}!{two.address}')}"
                )
    return changes


def _check_new_rows(changes: dict[str, dict[str, CellEdit]], issued: Issued, errors: list[str]) -> None:
    """A row the analyst added needs a classification, and an indicator or a Russian name."""
    for row_no, fields in changes.items():
        if row_no in issued.rows["ru"]:
            continue
        first = next(iter(fields.values()))
        language = "ru" if first.sheet == TEXTS["ru"]["sheet"] else "kk"
        where = f"{first.sheet}!A{re.sub(r'[A-Z]+', '', first.address)}"
        if fields.get("classification") is None:
            errors.append(f"{where}: {_message('new_class', language)}")
        if fields.get("indicator_code") is None and fields.get("regional_name_ru") is None:
            errors.append(f"{where}: {_message('new_name', language)}")
