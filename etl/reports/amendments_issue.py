"""The step every amended version takes between writing its workbook and recording it (forms and extract alike)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

from etl.reports.amendments import Change, diff_cells, explain, latest_official
from etl.reports.amendments_xlsx import add_changes_sheets
from etl.reports.print_layout import DocumentInfo


def amend(
    conn: Connection, kind: str, kato_code: str | None, year: int, cells: dict, path: Path, info: DocumentInfo
) -> tuple[int, list[Change]]:
    """Compare ``cells`` with the official version being amended, explain each change, print the list on the
    workbook at ``path``; return that version's ``report_id`` and the changes (recorded by the caller)."""
    official = latest_official(conn, kind, kato_code, year)
    if official is None:  # status_to_issue gives "amended" only when there is one
        raise ValueError(f"{kind} {kato_code or ''} {year}: no final version to amend")
    changes = explain(conn, diff_cells(official.cells, cells))
    add_changes_sheets(path, changes, info, official.version, official.created_at.date(), official.cells is not None)
    return official.report_id, changes
