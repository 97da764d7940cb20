"""Quality settings from ``catalogue/quality.csv``, and the defaults when a row is absent.

Columns: ``indicator_code`` (an indicator code such as ``3.2.1``, or a series-key pattern such as
``opensdg:*`` for what belongs to how a source publishes); ``max_yoy_change`` (largest plausible
year-on-year relative change, in percent; default 50); ``additive`` (1 = regions sum to the national
total); ``kind`` (``share``, ``count``, ``rate``: values are never negative and shares lie
within 0..100 — the default; ``index``, ``change``, ``balance``, ``other``: values may be negative or
exceed 100 %, so those two checks do not apply). Values for a region before it existed (Abai before 2022)
need no setting: every source's are loaded flagged as back-calculated (docs/decisions/row-level-quarantine.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from etl import config

DEFAULT_MAX_YOY_CHANGE_PCT = 50.0
#: relative gap allowed between the sum of regions and the national total of an additive series
SUM_TOLERANCE_PCT = 1.0
FIRST_YEAR = 1990
COUNTRY_KATO = "000000000"


@dataclass(frozen=True)
class IndicatorQuality:
    max_yoy_change_pct: float = DEFAULT_MAX_YOY_CHANGE_PCT
    additive: bool = False
    kind: str = ""

    @property
    def bounded(self) -> bool:
        """Whether the percent-bounds and non-negative checks apply (not for indices, changes, balances)."""
        return self.kind not in UNBOUNDED_KINDS


UNBOUNDED_KINDS = frozenset({"index", "change", "balance", "other"})
KINDS = frozenset({"", "share", "count", "rate"}) | UNBOUNDED_KINDS


def load_quality_settings(folder: Path | None = None) -> dict[str, IndicatorQuality]:
    """``indicator_code`` → settings; a missing file means defaults everywhere."""
    path = (folder or config.catalogue_dir()) / "quality.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r.get("indicator_code") or "").strip()]
    return {r["indicator_code"].strip(): _settings(r, path, line) for line, r in enumerate(rows, start=2)}


def _settings(row: dict, path: Path, line: int) -> IndicatorQuality:
    raw = (row.get("max_yoy_change") or "").strip().replace(",", ".")
    try:
        limit = float(raw) if raw else DEFAULT_MAX_YOY_CHANGE_PCT
    except ValueError as exc:
        raise ValueError(f"{path.name}, line {line}: max_yoy_change {raw!r} is not a number") from exc
    kind = (row.get("kind") or "").strip().lower()
    if kind not in KINDS:
        raise ValueError(f"{path.name}, line {line}: kind {kind!r} is not one of {sorted(k for k in KINDS if k)}")
    return IndicatorQuality(limit, _flag(row.get("additive")), kind)


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes", "да")


def is_percent(unit: str | None) -> bool:
    """Units written for shares: "процент", "пайыз", "%", and the UN/SDMX codes "PERCENT", "PT"."""
    text = (unit or "").strip().lower()
    return "процент" in text or "пайыз" in text or "%" in text or "percent" in text or text == "pt"


def max_plausible_year(today: date | None = None) -> int:
    return (today or date.today()).year + 1
