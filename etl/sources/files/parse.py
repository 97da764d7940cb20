"""A responsible body's report (CSV/XLSX in the template) into canonical annual observations.

Validation is the point: a file that does not fit the template is rejected as a whole, with every
problem (up to a limit) named by file, row and column, so the person who sent it can fix it in one go.
Nothing of a rejected file is loaded; the ingest loop keeps its bytes as a snapshot with the reason.
A value in a column without a header title is a problem too (it would otherwise be dropped unread), and a
CSV row wider or narrower than the header rejects the file in ``read`` (e.g. a decimal comma, ``…,45,5,…``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd

from etl.sources.base import ParseResult
from etl.sources.errors import SourceError
from etl.sources.files.read import SOURCE, read_table
from etl.sources.files.template import BY_KEY, COLUMNS, INDICATOR_DIM, TITLES, normalise_title
from etl.sources.observations import (
    INVALID,
    OBSERVATION_COLUMNS,
    BadValue,
    ParsedValue,
    dims_key,
    parse_value,
    text_problem,
)

MIN_YEAR = 1991
MAX_PROBLEMS = 20
_INDICATOR = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.:\-]{0,63}$")
_KATO = re.compile(r"^\d{9}$")
_DIM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_.+\-]+)$")
_KEY_COLUMNS = "columns «Код индикатора», «Код КАТО», «Год», «Разрез»"


@dataclass
class Problems:
    """Everything wrong with one file, each naming row and column; raised together."""

    file_name: str
    limit: int = MAX_PROBLEMS
    items: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, where: str, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(f"{self.file_name}, row {row}, {where}: {message}")

    def raise_if_any(self, url: str) -> None:
        if not self.count:
            return
        shown = f", first {len(self.items)} shown" if self.count > len(self.items) else ""
        head = f"{self.file_name} does not fit the template ({self.count} problem(s){shown}): "
        raise SourceError(SOURCE, url, head + "; ".join(self.items))


@dataclass
class _Checks:
    positions: dict[str, int]
    is_known_kato: Callable[[str], bool]
    max_year: int
    problems: Problems
    #: positions of the template's columns in the header; cells elsewhere (empty titles) must stay empty
    named: frozenset[int] = frozenset()

    def cell(self, cells: list[object], key: str) -> object:
        pos = self.positions.get(key)
        return cells[pos] if pos is not None and pos < len(cells) else None

    def bad(self, row: int, key: str, message: str) -> None:
        self.problems.add(row, f"column «{BY_KEY[key].title}»", message)


def parse_report(
    content: bytes,
    *,
    file_name: str,
    url: str,
    is_known_kato: Callable[[str], bool],
    indicators: Collection[str] = (),
    unit: str | None = None,
    max_year: int | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> ParseResult:
    """Check every row of one file and return its observations, or raise naming each bad cell.

    ``indicators`` (when given) keeps only rows of those indicator codes; the others are counted in
    ``skipped_rows`` (they belong to another series of the same submitter), but are still checked.
    """
    table = read_table(content, file_name, url)
    problems = Problems(file_name, max_problems)
    positions = _header(table.header, problems, url)
    checks = _Checks(positions, is_known_kato, max_year or date.today().year, problems, frozenset(positions.values()))
    seen: dict[tuple[str, str, int, str], int] = {}
    result = ParseResult()
    records: list[tuple] = []
    for row, cells in table.rows:
        parsed = _row(row, cells, checks)
        if parsed is None:
            continue
        key, value, row_unit = parsed
        if key in seen:
            problems.add(row, _KEY_COLUMNS, f"repeats row {seen[key]} (same indicator, region, year and breakdown)")
            continue
        seen[key] = row
        if indicators and key[0] not in indicators:
            result.skipped_rows += 1
            continue
        records.append(_record(key, value, row_unit or unit))
    problems.raise_if_any(url)
    result.frame = pd.DataFrame.from_records(records, columns=list(OBSERVATION_COLUMNS))
    return result


def _header(header: list[object], problems: Problems, url: str) -> dict[str, int]:
    """Column positions by key; unknown, repeated or missing required columns reject the file at once."""
    positions: dict[str, int] = {}
    for pos, raw in enumerate(header):
        title = normalise_title(raw)
        if not title:
            continue
        column = TITLES.get(title)
        if column is None:
            problems.add(1, f"column {pos + 1} «{raw}»", "unknown column; the template has " + _titles())
        elif column.key in positions:
            problems.add(1, f"column {pos + 1} «{raw}»", f"column «{column.title}» appears twice")
        else:
            positions[column.key] = pos
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.add(1, f"column «{column.title}»", "required column is missing from the header row")
    problems.raise_if_any(url)
    return positions


def _titles() -> str:
    return ", ".join(f"«{c.title}»" for c in COLUMNS)


def _row(row: int, cells: list[object], checks: _Checks) -> tuple[tuple[str, str, int, str], ParsedValue, str] | None:
    before = checks.problems.count
    _unnamed(row, cells, checks)
    indicator = _indicator(row, checks.cell(cells, "indicator"), checks)
    kato = _kato(row, checks.cell(cells, "kato"), checks)
    year = _year(row, checks.cell(cells, "year"), checks)
    value = _value(row, checks.cell(cells, "value"), checks)
    breakdown = _breakdown(row, checks.cell(cells, "breakdown"), checks)
    if (problem := text_problem(text_of(checks.cell(cells, "unit")))) is not None:
        checks.bad(row, "unit", problem)
    if checks.problems.count > before or indicator is None or kato is None or year is None or breakdown is None:
        return None
    dims = dims_key({**breakdown, INDICATOR_DIM: indicator})
    return (indicator, kato, year, dims), value, text_of(checks.cell(cells, "unit")).strip()


def _unnamed(row: int, cells: list[object], checks: _Checks) -> None:
    for pos, cell in enumerate(cells):
        if pos not in checks.named and text_of(cell).strip():
            checks.problems.add(row, f"column {pos + 1}", f"value {text_of(cell)!r} is under no header title")


def _record(key: tuple[str, str, int, str], value: ParsedValue, unit: str | None) -> tuple:
    _, kato, year, dims = key
    return (kato, date(year, 1, 1), date(year, 12, 31), "A", dims, value.value, value.text, value.status, unit or None)


def text_of(cell: object) -> str:
    """A cell as text the way a person typed it: whole floats without ``.0``, None as empty."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _indicator(row: int, cell: object, checks: _Checks) -> str | None:
    code = text_of(cell).strip()
    if not code:
        checks.bad(row, "indicator", "value required (national indicator code, e.g. 3.3.1)")
        return None
    if not _INDICATOR.match(code):
        checks.bad(row, "indicator", f"{code!r} is not an indicator code (letters, digits, '.', '_', '-', ':')")
        return None
    return code


def _kato(row: int, cell: object, checks: _Checks) -> str | None:
    code = text_of(cell).strip()
    if not _KATO.match(code):
        hint = " (format the column as text so leading zeros are kept)" if code.isdigit() else ""
        checks.bad(row, "kato", f"{code!r} is not a 9-digit KATO code{hint}")
        return None
    if not checks.is_known_kato(code):
        checks.bad(row, "kato", f"{code!r} is not a KATO code of a region in catalogue/regions.csv")
        return None
    return code


def _year(row: int, cell: object, checks: _Checks) -> int | None:
    raw = text_of(cell).strip()
    if not re.fullmatch(r"\d{4}", raw) or isinstance(cell, bool):
        checks.bad(row, "year", f"{raw!r} is not a year (four digits)")
        return None
    year = int(raw)
    if not MIN_YEAR <= year <= checks.max_year:
        checks.bad(row, "year", f"{year} is out of range {MIN_YEAR}–{checks.max_year}")
        return None
    return year


def _value(row: int, cell: object, checks: _Checks) -> ParsedValue:
    if isinstance(cell, datetime | date | time):
        checks.bad(row, "value", f"{cell} is a date, not a number (Excel converted it; format the column as text)")
        return ParsedValue(None, INVALID, str(cell))
    if isinstance(cell, bool):
        checks.bad(row, "value", f"{cell} is not a number")
        return ParsedValue(None, INVALID, str(cell))
    try:
        parsed = parse_value(text_of(cell))
    except BadValue as exc:  # non-finite, out of range, control characters (docs/decisions/bad-values.md)
        checks.bad(row, "value", str(exc))
        return ParsedValue(None, INVALID, text_of(cell))
    if parsed.status == INVALID:
        checks.bad(row, "value", f"{parsed.text!r} is not a number, 'x' (confidential) or '-'/empty (no data)")
    return parsed


def _breakdown(row: int, cell: object, checks: _Checks) -> dict[str, str] | None:
    dims: dict[str, str] = {}
    for part in re.split(r"[;|]", text_of(cell)):
        if not part.strip():
            continue
        match = _DIM.match(part.strip())
        if not match:
            checks.bad(row, "breakdown", f"{part.strip()!r} is not DIMENSION=CODE (e.g. SEX=F; AGE=Y15T24)")
            return None
        name, code = match.group(1).upper(), match.group(2)
        if name == INDICATOR_DIM or name in dims:
            reason = "is reserved for «Код индикатора»" if name == INDICATOR_DIM else "is given twice"
            checks.bad(row, "breakdown", f"dimension {name} {reason}")
            return None
        dims[name] = code
    return dims
