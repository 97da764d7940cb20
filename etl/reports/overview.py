"""The working body's overview of one year: per indicator, every region's Fact against Plan and target, the
trend of its Facts, and its progress category.

Why it is built from the national extract it accompanies (``build_national_extract``): the page must show
exactly the numbers of the workbook it is delivered with (same lines, same Plan and Fact at the same decimals,
same explanations when a Fact is empty). Only what the extract does not carry is read beside it: the
classification, the target of the region's Appendix 1 list, the earlier years' Facts and the category code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.reports.national_extract_model import NationalExtract, RegionCoverage

#: Statistics Canada categories (``sdg.indicator_progress.category``), best first, as the legend lists them.
CATEGORIES = ("target_achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration")

_LINES = """
SELECT l.kato_code, l.indicator_code, l.classification, l.target_value, l.target_year,
       i.name_ru, i.name_kk, i.unit_ru, i.unit_kk
FROM sdg.appendix1_line AS l
JOIN sdg.monitored_item AS m ON m.kato_code = l.kato_code AND m.row_no = l.row_no
JOIN sdg.indicator AS i ON i.code = l.indicator_code
WHERE l.kato_code = ANY(:k)
"""
_TREND = """
SELECT indicator_code, kato_code, year, value FROM sdg.indicator_value
WHERE value IS NOT NULL AND year <= :y AND kato_code = ANY(:k) ORDER BY year
"""
_CATEGORY = "SELECT indicator_code, kato_code, category FROM sdg.indicator_progress WHERE year = :y"


@dataclass(frozen=True)
class RegionLine:
    """One region's line of one indicator."""

    kato_code: str
    name: dict[str, str]
    classification: int
    plan: Decimal | None
    fact: Decimal | None
    #: shown instead of an empty Fact ("x": suppressed), and why it is empty or how it compares (per language)
    fact_text: str
    note: dict[str, str]
    target: Decimal | None
    target_year: int | None
    #: (year, Fact) up to the reported year, oldest first
    trend: tuple[tuple[int, Decimal], ...]
    #: a code of :data:`CATEGORIES`, or None (``progress`` then says why)
    category: str | None
    progress: dict[str, str]


@dataclass(frozen=True)
class IndicatorOverview:
    code: str
    name: dict[str, str]
    unit: dict[str, str]
    decimals: int
    lines: list[RegionLine] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        """Some region has a Plan or a Fact (or a suppressed Fact) of the year: the indicator gets its own section."""
        return any(line.plan is not None or line.fact is not None or line.fact_text for line in self.lines)

    @property
    def priority(self) -> bool:
        """Classification 1 (a priority indicator) in at least one region: it gets a chart and a map."""
        return any(line.classification == 1 for line in self.lines)


@dataclass(frozen=True)
class Overview:
    year: int
    status: str
    regions: list[RegionCoverage]
    indicators: list[IndicatorOverview]

    def region_categories(self) -> dict[str, dict[str, int]]:
        """KATO code → category code ('' for none) → number of that region's indicators."""
        counts: dict[str, dict[str, int]] = {r.kato_code: dict.fromkeys((*CATEGORIES, ""), 0) for r in self.regions}
        for indicator in self.indicators:
            for line in indicator.lines:
                counts[line.kato_code][line.category or ""] += 1
        return counts


def build_overview(conn: Connection, extract: NationalExtract) -> Overview:
    """The overview of ``extract``'s year: its lines grouped by indicator, in the order of the forms."""
    kato = [r.kato_code for r in extract.regions]
    names = {r.kato_code: {"ru": r.name_ru, "kk": r.name_kk} for r in extract.regions}
    listed = {(r.indicator_code, r.kato_code): r for r in conn.execute(text(_LINES), {"k": kato})}
    trends: dict[tuple[str, str], list[tuple[int, Decimal]]] = defaultdict(list)
    for r in conn.execute(text(_TREND), {"y": extract.year, "k": kato}):
        trends[(r.indicator_code, r.kato_code)].append((r.year, r.value))
    category = {(r.indicator_code, r.kato_code): r.category for r in conn.execute(text(_CATEGORY), {"y": extract.year})}
    indicators: dict[str, IndicatorOverview] = {}
    for line in extract.lines:
        item = listed[(line.code, line.kato_code)]
        indicator = indicators.get(line.code)
        if indicator is None:
            unit = {"ru": item.unit_ru or "", "kk": item.unit_kk or ""}
            indicator = IndicatorOverview(line.code, {"ru": item.name_ru, "kk": item.name_kk}, unit, line.ru.decimals)
            indicators[line.code] = indicator
        key = (line.code, line.kato_code)
        indicator.lines.append(
            RegionLine(
                line.kato_code,
                names[line.kato_code],
                item.classification,
                line.ru.plan,
                line.ru.fact,
                line.ru.fact_text,
                {"ru": line.ru.note, "kk": line.kk.note},
                item.target_value,
                item.target_year,
                tuple(trends.get(key, ())),
                category.get(key),
                {"ru": line.progress_ru, "kk": line.progress_kk},
            )
        )
    return Overview(extract.year, extract.status, extract.regions, list(indicators.values()))
