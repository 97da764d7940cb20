"""Taldau ``GetIndexData`` responses into canonical observations.

The response is a JSON list with one object per combination of dictionary terms (``terms`` in the
order of the request's ``dics``) and its ``periods`` (``name``, ``date`` = period end, ``value`` as
text). The region dictionary (67 or 68) gives the KATO code through the term-id aliases; the other
dictionaries are cut to the declared totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from etl.sources import answers
from etl.sources.base import ParseResult
from etl.sources.errors import BadValueError, SourceError
from etl.sources.observations import OBSERVATION_COLUMNS, BadValue, dims_key, parse_value
from etl.sources.taldau.periods import PERIOD_TYPES, period_bounds

SOURCE = "taldau"
#: Dictionaries whose terms are regions (KATO); 741880 is the Republic of Kazakhstan in both.
REGION_DICTIONARIES = frozenset({67, 68})


def decode_json(content: bytes, url: str) -> object:
    """Bytes to JSON, naming this source in the error (see :func:`etl.sources.answers.decode_json`)."""
    return answers.decode_json(SOURCE, content, url)


def parse_index_data(
    content: bytes,
    *,
    url: str,
    period_id: int,
    dics: Sequence[int],
    total_terms: Sequence[int] = (),
    region_terms: Mapping[int, str],
    unit: str | None = None,
    breakdown: Mapping[int, str] | None = None,
) -> ParseResult:
    """Parse one ``GetIndexData`` answer; raise :class:`SourceError` naming the URL on any schema drift.

    Rows of other dictionaries are kept only at their total term, except for the dictionaries named in
    ``breakdown`` (dictionary id -> SDMX concept, e.g. ``{576: "SEX"}``), whose terms become dims.
    """
    if period_id not in PERIOD_TYPES:
        raise SourceError(SOURCE, url, f"unknown period id {period_id}")
    region_pos = _region_position(dics, url)
    data = decode_json(content, url)
    if not isinstance(data, list):
        raise SourceError(SOURCE, url, f"expected a JSON list of term rows, got {type(data).__name__}")
    if len(total_terms) != len(dics) - 1:
        raise ValueError(f"series with dics {list(dics)} must declare one total term per non-region dictionary")
    cut = _Cut(dics, region_pos, [int(t) for t in total_terms], breakdown or {})
    result = ParseResult()
    records: list[tuple] = []
    for index, row in enumerate(data):
        terms, names, periods = _row_parts(row, index, len(dics), url)
        dims = cut.dims(terms, names)
        if dims is None:
            result.skipped_rows += 1
            continue
        kato = region_terms.get(terms[region_pos])
        if kato is None:
            result.unmapped_regions[str(terms[region_pos])] = str(names[region_pos]) if names else ""
            continue
        records.extend(_period_records(periods, index, kato, period_id, unit, url, dims))
    result.frame = pd.DataFrame.from_records(records, columns=list(OBSERVATION_COLUMNS))
    return result


#: Taldau term names of common breakdowns -> SDMX SDG codes; other terms keep their term id as code.
TERM_CODES = {
    "всего": "_T",
    "мужчины": "M",
    "женщины": "F",
    "городская местность": "U",
    "сельская местность": "R",
    "город": "U",
    "село": "R",
}


class _Cut:
    """Which rows are the declared cut, and the dims of each kept row."""

    def __init__(self, dics: Sequence[int], region_pos: int, totals: list[int], breakdown: Mapping[int, str]):
        self.others = [(pos, int(dic)) for pos, dic in enumerate(dics) if pos != region_pos]
        self.totals = totals
        self.breakdown = breakdown

    def dims(self, terms: list[int], names: list) -> str | None:
        """The row's dims key, or None when the row is outside the cut."""
        found: dict[str, str] = {}
        for (pos, dic), total in zip(self.others, self.totals, strict=True):
            if terms[pos] == total:
                continue
            concept = self.breakdown.get(dic)
            if concept is None:
                return None
            name = str(names[pos]).strip().lower() if pos < len(names) else ""
            found[concept] = TERM_CODES.get(name, str(terms[pos]))
        return dims_key(found)


def _region_position(dics: Sequence[int], url: str) -> int:
    positions = [pos for pos, dic in enumerate(dics) if int(dic) in REGION_DICTIONARIES]
    if len(positions) != 1:
        raise SourceError(SOURCE, url, f"series needs exactly one region dictionary (67/68) in dics {dics}")
    return positions[0]


def _row_parts(row: object, index: int, n_dics: int, url: str) -> tuple[list[int], list, list]:
    if not isinstance(row, dict) or not {"terms", "periods"} <= row.keys():
        raise SourceError(SOURCE, url, f"row {index}: expected keys 'terms' and 'periods', got {_keys(row)}")
    terms, periods = row["terms"], row["periods"]
    if not isinstance(terms, list) or len(terms) != n_dics:
        raise SourceError(SOURCE, url, f"row {index}: 'terms' should list {n_dics} term ids, got {terms!r}")
    if not isinstance(periods, list):
        raise SourceError(SOURCE, url, f"row {index}: 'periods' should be a list")
    try:
        term_ids = [int(t) for t in terms]
    except (TypeError, ValueError) as exc:
        raise SourceError(SOURCE, url, f"row {index}: non-numeric term id in {terms!r}") from exc
    return term_ids, list(row.get("termNames") or []), periods


def _period_records(
    periods: list, index: int, kato: str, period_id: int, unit: str | None, url: str, dims: str = ""
) -> list[tuple]:
    frequency = PERIOD_TYPES[period_id].frequency
    records: list[tuple] = []
    append, bounds, read_value = records.append, period_bounds, parse_value  # a million calls: local names
    p_index = 0
    try:  # one try around the loop, not per value: a bad value is rare, and the loop is hot
        for p_index, period in enumerate(periods):
            try:
                end_text, raw = period["date"], period["value"]
            except (KeyError, TypeError, IndexError):
                raise SourceError(
                    SOURCE, url, f"row {index}, period {p_index}: expected 'date' and 'value', got {_keys(period)}"
                ) from None
            try:
                start, end = bounds(period_id, end_text if type(end_text) is str else str(end_text))
            except ValueError as exc:
                raise SourceError(SOURCE, url, f"row {index}, period {p_index}: bad date {end_text!r}") from exc
            value, status, text = read_value(raw)
            append((kato, start, end, frequency, dims, value, text, status, unit))
    except BadValue as exc:
        date = periods[p_index].get("date") if isinstance(periods[p_index], dict) else None
        where = f"row {index} (KATO {kato}), period {p_index} (date {date!r}), field 'value'"
        raise BadValueError(SOURCE, url, f"{where}: {exc}") from None
    return records


def _keys(obj: object) -> str:
    return str(sorted(obj.keys())) if isinstance(obj, dict) else type(obj).__name__
