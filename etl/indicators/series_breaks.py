"""Series breaks at region splits: detected on the facts, stored, and explained in the forms.

When a region is split (2018: South Kazakhstan → Turkestan region + Shymkent; 2022: Abai, Zhetysu, Ulytau
carved out), the parent's series changes territory in the split year. For an additive indicator
(``additive`` in ``catalogue/quality.csv``) the facts can confirm it: the parent's value of the year before
is about the successor's plus the new regions' values of the split year (within ``BREAK_TOLERANCE_PCT``).
For any other indicator the break is known from the territory alone and stored without a test.

``detect_series_breaks`` rewrites ``sdg.series_break`` from the current facts (run by every compute, so it
is idempotent); ``break_notes`` gives the Appendix 2 explanation for a successor region's lines whose
comparison with the baseline crosses the break: «с 2022 г. без учёта области Абай» /
«2022 жылдан бастап Абай облысын есептемегенде».
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.catalogue.region_changes import RegionSplit, load_region_changes
from etl.quality.settings import IndicatorQuality, load_quality_settings

#: Largest gap (%) between the parent's value of the year before the split and the successor's plus the new
#: regions' values of the split year. Two years are compared, so it allows for a year's own change of an
#: additive count (population grows ~1.3 % a year); the new regions are 15-45 % of their parents, so a
#: parent series already recalculated on the new borders misses it by far.
BREAK_TOLERANCE_PCT = Decimal("5")

_FACTS = """
SELECT indicator_code, kato_code, year, value FROM sdg.indicator_value
WHERE value IS NOT NULL AND kato_code = ANY(:katos)
"""

_COLUMNS = (
    "indicator_code",
    "parent_kato",
    "successor_kato",
    "break_year",
    "new_katos",
    "additive",
    "detected",
    "parent_before",
    "successor_after",
    "new_after",
    "after_sum",
    "gap_pct",
    "tolerance_pct",
)

_UPSERT = f"""
INSERT INTO sdg.series_break AS b ({", ".join(_COLUMNS)})
VALUES ({", ".join(f":{c}" for c in _COLUMNS)})
ON CONFLICT (indicator_code, parent_kato, break_year) DO UPDATE
SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[4:])},
    detected_at = CASE WHEN ({", ".join(f"b.{c}" for c in _COLUMNS[4:])})
                            IS NOT DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _COLUMNS[4:])})
                       THEN b.detected_at ELSE now() END
"""

_DELETE_STALE = """
DELETE FROM sdg.series_break
WHERE NOT (indicator_code || '/' || parent_kato || '/' || break_year::text = ANY(CAST(:keys AS text[])))
"""

# Lines of a successor region's form whose comparison with the baseline crosses a break: the baseline year
# is before the split. A new code (Turkestan region) has its own history recalculated on the new borders by
# the source, so only a baseline given by hand in Appendix 1 may be the parent's old-territory figure.
_NOTES = """
SELECT l.row_no, b.break_year, b.new_katos
FROM sdg.series_break AS b
JOIN sdg.appendix1_line AS l ON l.kato_code = b.successor_kato AND l.indicator_code = b.indicator_code
WHERE b.successor_kato = :kato AND b.break_year <= :year AND l.baseline_year < b.break_year
  AND b.detected IS NOT FALSE
  AND (b.successor_kato = b.parent_kato OR (l.baseline_value IS NOT NULL AND NOT l.baseline_derived))
ORDER BY l.row_no, b.break_year
"""

_NAMES = "SELECT kato_code, genitive_ru, name_kk FROM sdg.region WHERE kato_code = ANY(:katos)"


@dataclass(frozen=True)
class SeriesBreak:
    """One split seen in one indicator's facts; ``detected`` None when not tested."""

    indicator_code: str
    split: RegionSplit
    additive: bool
    parent_before: Decimal | None = None
    successor_after: Decimal | None = None
    new_after: Decimal | None = None
    tolerance_pct: Decimal = BREAK_TOLERANCE_PCT

    @property
    def after_sum(self) -> Decimal | None:
        if self.successor_after is None or self.new_after is None:
            return None
        return self.successor_after + self.new_after

    @property
    def gap_pct(self) -> Decimal | None:
        """|before − after sum| / |before| in percent; None without all three values (or a zero before)."""
        if not self.additive or self.after_sum is None or not self.parent_before:
            return None
        return (abs(self.parent_before - self.after_sum) / abs(self.parent_before) * 100).quantize(Decimal("0.001"))

    @property
    def detected(self) -> bool | None:
        gap = self.gap_pct
        return None if gap is None else gap <= self.tolerance_pct

    def row(self) -> dict:
        return {
            "indicator_code": self.indicator_code,
            "parent_kato": self.split.parent_kato,
            "successor_kato": self.split.successor_kato,
            "break_year": self.split.year,
            "new_katos": list(self.split.new_katos),
            "additive": self.additive,
            "detected": self.detected,
            "parent_before": self.parent_before,
            "successor_after": self.successor_after,
            "new_after": self.new_after,
            "after_sum": self.after_sum,
            "gap_pct": self.gap_pct,
            "tolerance_pct": self.tolerance_pct,
        }


def detect_series_breaks(
    conn: Connection,
    splits: Iterable[RegionSplit] | None = None,
    quality: Mapping[str, IndicatorQuality] | None = None,
) -> list[SeriesBreak]:
    """Rewrite ``sdg.series_break`` from the current facts; return the breaks found.

    A break is stored for a split and an indicator when the parent has a fact before the split year and the
    successor one in or after it: the series really runs across the change of territory.
    """
    splits = list(load_region_changes() if splits is None else splits)
    quality = load_quality_settings() if quality is None else quality
    katos = sorted({k for s in splits for k in (s.parent_kato, *s.changed_katos)})
    facts: dict[str, dict[tuple[str, int], Decimal]] = defaultdict(dict)
    for r in conn.execute(text(_FACTS), {"katos": katos}):
        facts[r.indicator_code][(r.kato_code, r.year)] = r.value
    breaks = [
        found
        for split in splits
        for code in sorted(facts)
        if (found := _break(code, split, facts[code], quality.get(code, IndicatorQuality()).additive)) is not None
    ]
    if breaks:
        conn.execute(text(_UPSERT), [b.row() for b in breaks])
    keys = [f"{b.indicator_code}/{b.split.parent_kato}/{b.split.year}" for b in breaks]
    conn.execute(text(_DELETE_STALE), {"keys": keys})
    return breaks


def _break(code: str, split: RegionSplit, values: dict[tuple[str, int], Decimal], additive: bool) -> SeriesBreak | None:
    before = any(kato == split.parent_kato and year < split.year for kato, year in values)
    after = any(kato == split.successor_kato and year >= split.year for kato, year in values)
    if not (before and after):
        return None
    new = [values.get((kato, split.year)) for kato in split.new_katos]
    known = [v for v in new if v is not None]
    return SeriesBreak(
        indicator_code=code,
        split=split,
        additive=additive,
        parent_before=values.get((split.parent_kato, split.year - 1)),
        successor_after=values.get((split.successor_kato, split.year)),
        new_after=sum(known, Decimal(0)) if len(known) == len(new) else None,
    )


def break_notes(conn: Connection, kato_code: str, year: int, language: str = "ru") -> dict[str, str]:
    """Row number of the region's form → the explanation of the breaks its comparison with the baseline crosses."""
    rows = conn.execute(text(_NOTES), {"kato": kato_code, "year": year}).all()
    if not rows:
        return {}
    katos = sorted({k for r in rows for k in r.new_katos})
    names = {r.kato_code: r for r in conn.execute(text(_NAMES), {"katos": katos})}
    notes: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        notes[str(r.row_no)].append(break_text(r.break_year, [names[k] for k in r.new_katos], language))
    return {row_no: "; ".join(texts) for row_no, texts in notes.items()}


def break_text(year: int, new_regions: list, language: str) -> str:
    """«с 2022 г. без учёта области Абай» / «2022 жылдан бастап Абай облысын есептемегенде»."""
    if language == "ru":
        return f"с {year} г. без учёта {' и '.join(r.genitive_ru for r in new_regions)}"
    return f"{year} жылдан бастап {' және '.join(kazakh_accusative(r.name_kk) for r in new_regions)} есептемегенде"


def kazakh_accusative(name_kk: str) -> str:
    """«Абай облысы» → «Абай облысын», «Шымкент қаласы» → «Шымкент қаласын» (a possessive -ы/-і takes -н)."""
    if not name_kk.endswith(("ы", "і")):
        raise ValueError(f"no accusative rule for the Kazakh region name {name_kk!r} (expected …облысы/…қаласы)")
    return name_kk + "н"
