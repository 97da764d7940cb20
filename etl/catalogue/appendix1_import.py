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
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl import config
from etl.catalogue.appendix1_edits import (
    Appendix1ImportError,
    CellEdit,
    Issued,
    changed_cells,
    classification,
    open_workbook,
    read_issued,
)
from etl.catalogue.files import ALL_REGIONS, CatalogueError
from etl.catalogue.model import load_indicators, load_regions

__all__ = ["Appendix1ImportError", "CellEdit", "ImportResult", "import_appendix1"]

#: columns appendix1.csv may lack (an older file): the import adds them to the header when it writes
OPTIONAL_COLUMNS = ("regional_name_kk", "responsible_kk")


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


def import_appendix1(
    path: Path | str, catalogue_dir: Path | None = None, conn: Connection | None = None
) -> ImportResult:
    """Check every cell of ``path``, then write the region's changed rows to ``appendix1.csv`` atomically, keep the
    file as the region's next version and, with ``conn``, re-sync the catalogue and record the version."""
    path = Path(path)
    folder = Path(catalogue_dir or config.catalogue_files_dir())
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    workbook = open_workbook(path, data)
    issued = read_issued(workbook, path, folder)
    kept = _kept_version(issued.kato, sha)
    if kept is not None:
        return ImportResult(issued.kato, kept[0], sha, kept[1], issued.year, issued.version, (), (), new=False)
    changes = changed_cells(workbook, issued, {i.code for i in load_indicators(folder)}, path)
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


# ---- the catalogue file -----------------------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [dict(row) for row in reader]
        header = list(reader.fieldnames or [])
    return header + [c for c in OPTIONAL_COLUMNS if c not in header], rows


def _apply(rows: list[dict[str, str]], header: list[str], issued: Issued, changes: dict) -> list[dict[str, str]]:
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


def _new_own_row(header: list[str], base: dict[str, str] | None, issued: Issued, row_no: str) -> dict[str, str]:
    """The region's own copy of a line: the typical row as it stands, else what was issued (code, class)."""
    row = {c: (base or {}).get(c) or "" for c in header}
    issued_row = issued.rows["ru"].get(row_no)
    if base is None and issued_row is not None:
        row["indicator_code"] = issued_row[1] or ""
        row["classification"] = str(classification(issued_row[4]))
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
