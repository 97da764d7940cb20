"""Cut-offs of the progress assessment from ``catalogue/progress.csv``, with documented defaults.

The file has one ``setting,value,comment`` row per cut-off; a missing file or row keeps the default
below, so the methods stay those of ``docs/decisions/progress.md`` unless someone writes otherwise.
Thresholds are judgement calls (the ESCAP on-track cut-off is 1.0 in one implementation, 0.9 in
another), which is why they live in the people-edited catalogue and not in code.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from etl import config

FILE_NAME = "progress.csv"
PROJECTIONS = ("auto", "cagr", "weighted")


class ProgressSettingsError(ValueError):
    """``catalogue/progress.csv`` does not fit its documented rows."""


@dataclass(frozen=True)
class ProgressSettings:
    """Every cut-off of the Statistics Canada (Open SDG) and ESCAP assessments."""

    #: base year when the region's list gives none (the first later year with data when it has no value)
    base_year: int = 2015
    #: target year when the region's list gives none
    target_year: int = 2030
    #: fewest values (base included) from the base year to the assessed year
    min_points: int = 2
    #: a zero base or target is replaced by this in growth rates (exponential model)
    zero_replacement: float = 0.001
    #: Statistics Canada with a target: R >= on track; R >= acceleration; R >= limited; below: deterioration
    ratio_on_track: float = 0.95
    ratio_acceleration: float = 0.60
    ratio_limited: float = 0.0
    #: Statistics Canada without a target: growth in % a year, in the desirable direction
    growth_on_track_pct: float = 1.5
    growth_acceleration_pct: float = 0.5
    growth_limited_pct: float = 0.0
    #: scale the positive growth cut-offs down near 100 % for percentages whose increase is desirable
    percent_limit_scaling: bool = True
    limit_exponent: float = 4.44
    #: ESCAP: API >= on track; API > regressing cut-off (0) needs acceleration; else regressing
    escap_on_track_api: float = 1.0
    escap_regressing_api: float = 0.0
    #: ESCAP projection: cagr, weighted (time-weighted trend, logit for percentages), auto (weighted
    #: for percentages within 0..100, cagr for the rest)
    escap_projection: str = "auto"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def used_by(self, with_target: bool) -> dict[str, object]:
        """The settings an assessment with (or without) a target depends on, stored with its row."""
        names = _COMMON + (_WITH_TARGET if with_target else _WITHOUT_TARGET)
        return {name: getattr(self, name) for name in names}


_COMMON = ("base_year", "target_year", "min_points", "zero_replacement")
_WITH_TARGET = (
    "ratio_on_track",
    "ratio_acceleration",
    "ratio_limited",
    "escap_on_track_api",
    "escap_regressing_api",
    "escap_projection",
)
_WITHOUT_TARGET = (
    "growth_on_track_pct",
    "growth_acceleration_pct",
    "growth_limited_pct",
    "percent_limit_scaling",
    "limit_exponent",
)


def load_progress_settings(folder: Path | None = None) -> ProgressSettings:
    """The settings of ``<catalogue>/progress.csv``; defaults for a missing file or row."""
    path = (folder or config.catalogue_dir()) / FILE_NAME
    if not path.exists():
        return ProgressSettings()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("setting", "value") if c not in (reader.fieldnames or [])]
        if missing:
            raise ProgressSettingsError(f"{FILE_NAME}, line 1: header lacks columns {missing}")
        values: dict[str, Any] = {}  # each of its field's type: _value reads it so
        for line, row in enumerate(reader, start=2):
            name = (row.get("setting") or "").strip()
            if name:
                if name in values:
                    raise ProgressSettingsError(f"{FILE_NAME}, line {line}, column 'setting': {name!r} given twice")
                values[name] = _value(name, (row.get("value") or "").strip(), line)
    settings = ProgressSettings(**values)
    _check_order(settings)
    return settings


_TYPES = {f.name: f.type for f in fields(ProgressSettings)}


def _value(name: str, raw: str, line: int) -> object:
    where = f"{FILE_NAME}, line {line}, column 'value'"
    kind = _TYPES.get(name)
    if kind is None:
        known = ", ".join(sorted(_TYPES))
        raise ProgressSettingsError(
            f"{FILE_NAME}, line {line}, column 'setting': unknown setting {name!r}; known: {known}"
        )
    if kind == "str":
        if raw not in PROJECTIONS:
            raise ProgressSettingsError(f"{where}: {name} must be one of {list(PROJECTIONS)}, got {raw!r}")
        return raw
    if kind == "bool":
        if raw not in ("0", "1"):
            raise ProgressSettingsError(f"{where}: {name} must be 0 or 1, got {raw!r}")
        return raw == "1"
    try:
        return int(raw) if kind == "int" else float(raw.replace(",", "."))
    except ValueError as exc:
        label = "an integer" if kind == "int" else "a number"
        raise ProgressSettingsError(f"{where}: {name} must be {label}, got {raw!r}") from exc


def _check_order(s: ProgressSettings) -> None:
    """Bands must nest (on track above acceleration above limited), else categories would overlap."""
    problems = []
    if not s.ratio_limited <= s.ratio_acceleration <= s.ratio_on_track:
        problems.append("ratio_limited <= ratio_acceleration <= ratio_on_track")
    if not s.growth_limited_pct <= s.growth_acceleration_pct <= s.growth_on_track_pct:
        problems.append("growth_limited_pct <= growth_acceleration_pct <= growth_on_track_pct")
    if not s.escap_regressing_api < s.escap_on_track_api:
        problems.append("escap_regressing_api < escap_on_track_api")
    if s.min_points < 2:
        problems.append("min_points >= 2")
    if s.zero_replacement <= 0:
        problems.append("zero_replacement > 0")
    if not s.base_year < s.target_year:
        problems.append("base_year < target_year")
    if problems:
        raise ProgressSettingsError(f"{FILE_NAME}: settings must satisfy {'; '.join(problems)}")
