"""An analyst's edited Appendix 1 XLSX of one region, back into that region's rows of ``catalogue/appendix1.csv``.

The file is the one ``sdg report appendix1`` issued (``etl.reports.appendix1``): its very hidden sheet keeps the
region, year, version and every cell as issued. Each visible cell is compared with what was issued, and only the
cells the analyst changed become the region's own rows (a region's row replaces the typical ``*`` row with the same
number), so a typical-list change made since the file was issued is not overwritten by cells nobody touched, and
a derived baseline left as it was stays derived. A value changed on one sheet applies to both; changed differently
on the two sheets it is rejected.

Nothing is half-applied: every cell is checked first and one bad cell rejects the file with every bad cell named
by sheet and address («Приложение 1!G7: ожидается число»); the new CSV is checked like ``sync_catalogue`` checks it,
then replaces the old one (temp file + ``os.replace``); the accepted file is kept as the region's next version
under ``<SDG_DATA_DIR>/imports/appendix1/``; with a connection the catalogue is re-synced and the version recorded
in ``sdg.appendix1_import`` in one transaction, and the CSV is put back if that fails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue.files import ALL_REGIONS, CatalogueError
from etl.catalogue.model import load_indicators, load_regions
from etl.reports.appendix1 import ISSUED_MARK, ISSUED_SHEET, TEXTS
from etl.reports.xlsx_tables import HEADER_ROW

#: columns appendix1.csv may lack (an older file): the import adds them to the header when it writes
OPTIONAL_COLUMNS = ("regional_name_kk", "responsible_kk")
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
class ImportResult:
    kato_code: str
    #: this region's import version (1, 2, ...) and the kept copy of the accepted file
    version: int
    sha256: str
    path: Path
    #: the issued list the analyst edited
    issued_year: int
    issued_version: int
    rows_changed: tuple[str, ...]
    cells: tuple[CellEdit, ...]
    #: False when these very bytes were accepted before: nothing was done again
    new: bool


@dataclass(frozen=True)
class _Issued:
    kato: str
    year: int
    version: int
    #: language -> row_no -> the 11 cell values as issued
    rows: dict[str, dict[str, list[Any]]]


class _Bad(ValueError):
    """A cell that cannot be read as its column asks; the argument is a key of ``_MESSAGES``."""


def import_appendix1(
    path: Path | str, catalogue_dir: Path | None = None, conn: Connection | None = None
) -> ImportResult:
    """Check every cell of ``path``, then write the region's changed rows to ``appendix1.csv`` atomically, keep the
    file as the region's next version and, with ``conn``, re-sync the catalogue and record the version."""
    path = Path(path)
    folder = Path(catalogue_dir or config.catalogue_dir())
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    workbook = _open(path, data)
    issued = _issued(workbook, path, folder)
    kept = _kept_version(issued.kato, sha)
    if kept is not None:
        return ImportResult(issued.kato, kept[0], sha, kept[1], issued.year, issued.version, (), (), new=False)
    codes = {i.code for i in load_indicators(folder)}
    errors: list[str] = []
    edits = [edit for language in TEXTS for edit in _sheet_edits(workbook, language, issued, codes, errors)]
    changes = _merge(edits, errors)
    _check_new_rows(changes, issued, errors)
    if errors:
        raise Appendix1ImportError(path, errors)
    header, rows = _read_csv(folder / "appendix1.csv")
    own = _apply(rows, header, issued, changes)
    new_csv = _csv_text(header, rows)
    _check_like_sync(new_csv, folder, path)
    version = _next_version(issued.kato, conn)
    copy = _imports_dir() / f"appendix1_{issued.kato}_import_v{version}.xlsx"
    cells = tuple(edit for fields in changes.values() for edit in fields.values())
    result = ImportResult(issued.kato, version, sha, copy, issued.year, issued.version, tuple(changes), cells, new=True)
    _commit(folder / "appendix1.csv", new_csv, data, result, path.name, own, conn)
    return result


# ---- reading the workbook -------------------------------------------------------------------------------------


def _open(path: Path, data: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not an XLSX workbook
        raise Appendix1ImportError(path, [f"не книга XLSX / XLSX кітабы емес: {exc}"]) from exc


def _issued(workbook: Any, path: Path, folder: Path) -> _Issued:
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
    return _Issued(str(kato), int(year), int(version), rows)


def _message(key: str, language: str, value: Any = "") -> str:
    return _MESSAGES[key][_LANGUAGES[language]].format(value=value)


def _sheet_edits(workbook: Any, language: str, issued: _Issued, codes: set[str], errors: list[str]) -> list[CellEdit]:
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
    return {"number": _decimal, "year": _year, "class": _classification}[kind](value)


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


def _classification(value: int | float | str | Decimal) -> int:
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


def _check_new_rows(changes: dict[str, dict[str, CellEdit]], issued: _Issued, errors: list[str]) -> None:
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


# ---- the catalogue file -----------------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [dict(row) for row in reader]
        header = list(reader.fieldnames or [])
    return header + [c for c in OPTIONAL_COLUMNS if c not in header], rows


def _apply(rows: list[dict[str, str]], header: list[str], issued: _Issued, changes: dict) -> list[dict[str, str]]:
    """Set the changed cells on the region's own rows, creating one from the typical (``*``) row when needed;
    returns the region's own rows after the change."""
    own = {r["row_no"].strip(): r for r in rows if (r.get("kato_code") or "").strip() == issued.kato}
    typical = {r["row_no"].strip(): r for r in rows if (r.get("kato_code") or "").strip() == ALL_REGIONS}
    for row_no, fields in changes.items():
        target = own.get(row_no)
        if target is None:
            target = _new_own_row(header, typical.get(row_no), issued, row_no)
            rows.append(target)
            own[row_no] = target
        for column, edit in fields.items():
            target[column] = _csv_value(edit.new)
    return [{c: row.get(c) or "" for c in header} for row in own.values()]


def _new_own_row(header: list[str], base: dict[str, str] | None, issued: _Issued, row_no: str) -> dict[str, str]:
    """The region's own copy of a line: the typical row as it stands, else what was issued (code, class)."""
    row = {c: (base or {}).get(c) or "" for c in header}
    issued_row = issued.rows["ru"].get(row_no)
    if base is None and issued_row is not None:
        row["indicator_code"] = issued_row[1] or ""
        row["classification"] = str(_classification(issued_row[4]))
    row["kato_code"], row["row_no"] = issued.kato, row_no
    return row


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({c: row.get(c) or "" for c in header} for row in rows)
    return out.getvalue()


def _check_like_sync(content: str, folder: Path, path: Path) -> None:
    """The new file passes the checks ``sync_catalogue`` makes, before it replaces the old one."""
    from etl.catalogue.sync import _appendix1_rows

    regions = [r.kato_code for r in load_regions(folder) if r.kind != "country" and r.valid_to is None]
    codes = {i.code for i in load_indicators(folder)}
    with tempfile.TemporaryDirectory() as staging:
        (Path(staging) / "appendix1.csv").write_text(content, encoding="utf-8")
        try:
            _appendix1_rows(Path(staging), regions, codes)
        except CatalogueError as exc:
            raise Appendix1ImportError(path, [f"appendix1.csv: {exc}"]) from exc


# ---- versions and the one write -------------------------------------------------------------------------------


def _imports_dir() -> Path:
    return config.data_dir() / "imports" / "appendix1"


def _kept_files(kato: str) -> Iterator[tuple[int, Path]]:
    pattern = re.compile(rf"^appendix1_{kato}_import_v(\d+)\.xlsx$")
    folder = _imports_dir()
    for path in folder.glob(f"appendix1_{kato}_import_v*.xlsx") if folder.is_dir() else ():
        match = pattern.match(path.name)
        if match:
            yield int(match.group(1)), path


def _kept_version(kato: str, sha: str) -> tuple[int, Path] | None:
    """The version these very bytes were accepted as, if they were."""
    for version, path in _kept_files(kato):
        if hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            return version, path
    return None


def _next_version(kato: str, conn: Connection | None) -> int:
    versions = [version for version, _ in _kept_files(kato)]
    if conn is not None:
        recorded = conn.execute(
            text("SELECT max(version) FROM sdg.appendix1_import WHERE kato_code = :k"), {"k": kato}
        ).scalar()
        versions.append(recorded or 0)
    return max(versions, default=0) + 1


def _commit(
    csv_path: Path,
    content: str,
    data: bytes,
    result: ImportResult,
    file_name: str,
    own: list[dict[str, str]],
    conn: Connection | None,
) -> None:
    """Replace the CSV, keep the file and (with ``conn``) re-sync and record, all or nothing."""
    old = csv_path.read_bytes()
    _write_atomically(csv_path, content.encode("utf-8"))
    kept = False
    try:
        result.path.parent.mkdir(parents=True, exist_ok=True)
        if conn is None:
            _write_atomically(result.path, data, exclusive=True)
            kept = True
        else:
            with conn.begin_nested() if conn.in_transaction() else conn.begin():
                _sync_and_record(conn, csv_path.parent, result, file_name, own)
                _write_atomically(result.path, data, exclusive=True)
                kept = True
    except BaseException:
        if kept:
            result.path.unlink(missing_ok=True)
        _write_atomically(csv_path, old)
        raise


def _sync_and_record(
    conn: Connection, folder: Path, result: ImportResult, file_name: str, own: list[dict[str, str]]
) -> None:
    from etl.catalogue.sync import sync_catalogue

    sync_catalogue(conn, folder)
    cells = [{**asdict(edit), "old": _csv_value(edit.old), "new": _csv_value(edit.new)} for edit in result.cells]
    conn.execute(
        text(
            "INSERT INTO sdg.appendix1_import (kato_code, version, sha256, file_name, path, issued_year, "
            "issued_version, cells, rows) VALUES (:k, :v, :sha, :name, :path, :iy, :iv, "
            "CAST(:cells AS jsonb), CAST(:rows AS jsonb))"
        ),
        {
            "k": result.kato_code,
            "v": result.version,
            "sha": result.sha256,
            "name": file_name,
            "path": str(result.path),
            "iy": result.issued_year,
            "iv": result.issued_version,
            "cells": json.dumps(cells, ensure_ascii=False),
            "rows": json.dumps(own, ensure_ascii=False),
        },
    )


def _write_atomically(path: Path, data: bytes, exclusive: bool = False) -> None:
    """Temp file beside ``path``, then rename; ``exclusive`` refuses to replace an existing file (a kept version)."""
    if exclusive and path.exists():
        raise FileExistsError(f"{path} exists: kept versions are never overwritten")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
