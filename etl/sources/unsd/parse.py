"""UN SDG Global Database ``/v1/sdg/Series/Data`` pages into canonical observations.

One page is a JSON object with paging fields (``totalElements``, ``totalPages``, ``pageNumber``,
``size``), code lists (``dimensions``/``attributes``: API code -> SDMX code) and ``data``: one row per
(area, year, dimension values) with ``value`` as text. Every row becomes one observation: the area's M49
code gives the KATO code, ``timePeriodStart`` the year, the API's dimension names become SDMX SDG concept
names and their codes the SDMX codes of the code list; dimension values declared as the series' totals
are left out of the key. Anything that does not fit raises :class:`SourceError` naming the URL.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from etl.sources import answers
from etl.sources.base import ParseResult, RegionLookup
from etl.sources.errors import BadValueError, SourceError
from etl.sources.observations import (
    MISSING,
    OBSERVATION_COLUMNS,
    BadValue,
    ParsedValue,
    check_text,
    dims_key,
    parse_value,
)

SOURCE = "unsd"
#: the API's dimension names -> SDMX SDG concept ids (DSD IAEG-SDGs:SDG); others are upper-cased
CONCEPTS: dict[str, str] = {
    "Sex": "SEX",
    "Age": "AGE",
    "Location": "URBANISATION",
    "Reporting Type": "REPORTING_TYPE",
    "Quantile": "INCOME_WEALTH_QUANTILE",
    "Education level": "EDUCATION_LEV",
    "Type of occupation": "OCCUPATION",
    "Custom breakdown": "CUST_BREAKDOWN",
    "Disability status": "DISABILITY_STATUS",
    "Activity": "ACTIVITY",
    "Type of product": "PRODUCT",
    "Freq": "FREQ",
}
#: the API's own "no value" texts (besides those of :func:`parse_value`); ``<5``, ``N`` ... stay ``invalid``
NO_VALUE_FORMS = frozenset({"nan", "nv"})
PAGING_KEYS = ("totalElements", "totalPages", "pageNumber", "data")
ROW_KEYS = ("series", "geoAreaCode", "timePeriodStart", "value", "dimensions", "attributes")
_RANGE = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
_UNSAFE = re.compile(r"[|=]")


@dataclass(frozen=True)
class Page:
    """The parts of one answer the pipeline relies on."""

    number: int
    total_pages: int
    total_elements: int
    rows: list[dict[str, Any]]
    #: dimension name -> {API code: SDMX code}
    codes: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Cut:
    """What identifies one observation of a series: area, period and the non-total dimensions."""

    geo: str
    start: date
    end: date
    dims: str

    def describe(self) -> str:
        return f"area {self.geo}, period {self.start}..{self.end}, dims {self.dims or '(totals)'}"


@dataclass
class CutTracker:
    """Remembers where each cut was seen, to refuse a second row for the same cut (within or across pages)."""

    seen: dict[Cut, tuple[str, dict]] = field(default_factory=dict)

    def add(self, cut: Cut, where: str, row: dict, url: str) -> None:
        first = self.seen.get(cut)
        if first is None:
            self.seen[cut] = (where, row)
            return
        differs = _attribute_difference(first[1], row)
        raise SourceError(
            SOURCE, url, f"{where} repeats the cut of {first[0]} ({cut.describe()}){differs}; which one is right?"
        )


def decode_json(content: bytes, url: str) -> object:
    """Bytes to JSON, naming this source in the error (see :func:`etl.sources.answers.decode_json`)."""
    return answers.decode_json(SOURCE, content, url)


def read_page(content: bytes, url: str) -> Page:
    """Decode one page and check its paging fields and code lists."""
    data = decode_json(content, url)
    if not isinstance(data, dict):
        raise SourceError(SOURCE, url, f"expected a JSON object with paging fields, got {type(data).__name__}")
    missing = [key for key in PAGING_KEYS if key not in data]
    if missing:
        raise SourceError(SOURCE, url, f"paging fields {missing} missing; keys are {sorted(data)}")
    numbers = {key: data[key] for key in PAGING_KEYS[:3]}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in numbers.values()):
        raise SourceError(SOURCE, url, f"paging fields should be non-negative integers, got {numbers}")
    if not isinstance(data["data"], list):
        raise SourceError(SOURCE, url, f"'data' should be a list, got {type(data['data']).__name__}")
    return Page(
        number=data["pageNumber"],
        total_pages=data["totalPages"],
        total_elements=data["totalElements"],
        rows=data["data"],
        codes=_code_lists(data.get("dimensions"), url),
    )


def _code_lists(raw: Any, url: str) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    try:
        return {str(d["id"]): {str(c["code"]): str(c.get("sdmx") or "") for c in d["codes"]} for d in raw}
    except (TypeError, KeyError) as exc:
        raise SourceError(SOURCE, url, f"'dimensions' code lists have an unexpected shape: {exc!r}") from exc


def check_row(row: object, where: str, series_code: str, url: str) -> dict[str, Any]:
    """One data row with the keys and types the parser relies on, for the series asked for."""
    if not isinstance(row, dict):
        raise SourceError(SOURCE, url, f"{where}: expected an object, got {type(row).__name__}")
    missing = [key for key in ROW_KEYS if key not in row]
    if missing:
        raise SourceError(SOURCE, url, f"{where}: keys {missing} missing; has {sorted(row)}")
    if row["series"] != series_code:
        raise SourceError(SOURCE, url, f"{where}: series {row['series']!r}, but {series_code!r} was asked for")
    for key in ("dimensions", "attributes"):
        if not isinstance(row[key] or {}, dict):
            raise SourceError(SOURCE, url, f"{where}: {key!r} should be an object, got {row[key]!r}")
    return row


def period_of(start: object, detail: object) -> tuple[date, date]:
    """Year bounds from ``timePeriodStart`` (``2015.0``); ``time_detail`` may repeat it or give ``2014-2016``."""
    year = _year(start)
    text = "" if detail is None else str(detail).strip()
    if text in ("", str(year)):
        return date(year, 1, 1), date(year, 12, 31)
    match = _RANGE.match(text)
    if match and int(match.group(1)) <= year <= int(match.group(2)):
        return date(int(match.group(1)), 1, 1), date(int(match.group(2)), 12, 31)
    raise ValueError(f"time_detail {detail!r} does not fit timePeriodStart {start!r}")


def _year(start: object) -> int:
    try:
        number = float(str(start).strip())
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not 1900 <= number <= 2100:
        raise ValueError(f"timePeriodStart {start!r} is not a year")
    return int(number)


def dims_of(row: dict, totals: dict[str, str], codes: dict[str, dict[str, str]], where: str, url: str) -> str:
    """The dims key of a row: declared totals left out, SDMX concepts and codes for the rest."""
    dims: dict[str, str] = {}
    for name, raw_code in sorted((row.get("dimensions") or {}).items()):
        code = "" if raw_code is None else str(raw_code)
        if totals.get(name) == code:
            continue
        concept = CONCEPTS.get(name) or re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
        value = check_text(_sdmx_code(name, code, codes, where, url), SOURCE, url, f"{where}, dimension {name!r}")
        if concept in dims or not concept or _UNSAFE.search(concept + value):
            raise SourceError(SOURCE, url, f"{where}: dimension {name!r}={code!r} cannot be keyed as {concept!r}")
        dims[concept] = value
    return dims_key(dims)


def _sdmx_code(name: str, code: str, codes: dict[str, dict[str, str]], where: str, url: str) -> str:
    """The SDMX code of a non-total value; a code the answer's code list lacks is schema drift."""
    listed = codes.get(name)
    if listed is None or code not in listed:
        raise SourceError(SOURCE, url, f"{where}: dimension {name!r} value {code!r} is not in the answer's code list")
    sdmx = listed[code]
    # an undeclared total (SDMX _T) keeps the API code, so it never merges into the declared totals
    return code if sdmx in ("", "_T") else sdmx


def cut_of(row: dict, where: str, totals: dict[str, str], codes: dict[str, dict[str, str]], url: str) -> Cut:
    try:
        start, end = period_of(row["timePeriodStart"], row.get("time_detail"))
    except ValueError as exc:
        raise SourceError(SOURCE, url, f"{where}: {exc}") from exc
    return Cut(str(row["geoAreaCode"]).strip(), start, end, dims_of(row, totals, codes, where, url))


def value_of(raw: object) -> ParsedValue:
    """``parse_value`` plus the API's ``NaN``/``NV`` as no data; ``<5`` and the like stay ``invalid``."""
    if isinstance(raw, str) and raw.strip().lower() in NO_VALUE_FORMS:
        return ParsedValue(None, MISSING, raw)
    return parse_value(raw)


def parse_page(
    content: bytes,
    *,
    url: str,
    series_code: str,
    totals: dict[str, str],
    regions: RegionLookup,
    unit: str | None = None,
) -> ParseResult:
    """Parse one page; raise :class:`SourceError` naming the URL on schema drift or a repeated cut."""
    page = read_page(content, url)
    result = ParseResult()
    tracker = CutTracker()
    natures: Counter[str] = Counter()
    records: list[tuple] = []
    for index, raw in enumerate(page.rows):
        where = f"page {page.number} row {index}"
        row = check_row(raw, where, series_code, url)
        cut = cut_of(row, where, totals, page.codes, url)
        tracker.add(cut, where, row, url)
        kato = regions.kato("m49", cut.geo)
        if kato is None:
            result.unmapped_regions[cut.geo] = str(row.get("geoAreaName") or "")
            continue
        attributes = row["attributes"] or {}
        natures[str(attributes.get("Nature"))] += 1
        try:
            parsed = value_of(row["value"])
        except BadValue as exc:
            raise BadValueError(SOURCE, url, f"{where} ({cut.describe()}), field 'value': {exc}") from None
        row_unit = attributes.get("Units") or unit
        if isinstance(row_unit, str):
            check_text(row_unit, SOURCE, url, f"{where}, attribute 'Units'")
        records.append((kato, cut.start, cut.end, "A", cut.dims, parsed.value, parsed.text, parsed.status, row_unit))
    result.frame = pd.DataFrame.from_records(records, columns=list(OBSERVATION_COLUMNS))
    if natures:
        result.notes.append("Nature (not stored): " + ", ".join(f"{k} x{n}" for k, n in sorted(natures.items())))
    return result


def _attribute_difference(first: dict, second: dict) -> str:
    a, b = first.get("attributes") or {}, second.get("attributes") or {}
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if not changed:
        return ""
    return " with different " + ", ".join(f"{k} {a.get(k)!r}/{b.get(k)!r}" for k in changed)
