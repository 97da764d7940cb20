"""Progress towards a target: the Statistics Canada (Open SDG) assessment and the ESCAP indices.

Pure functions on plain numbers, no database, so each formula can be checked by hand. Formulas and
cut-offs follow ``docs/decisions/progress.md`` (after Open SDG's ``sdg-build`` ``ProgressMeasure``):

- CAGR_a = (x_t / x_b)^(1/(t-b)) - 1, CAGR_r = (x* / x_b)^(1/(T-b)) - 1 (a zero base or target is
  replaced by ``zero_replacement``);
- with a target: R = s·d·CAGR_a / |CAGR_r| (s = -1 when the values are negative), "target achieved"
  once the latest value is on the desirable side of the target;
- without one: g = s·d·CAGR_a against growth cut-offs, the positive ones scaled down near 100 % for
  percentages whose increase is desirable;
- ESCAP: CS = (x_t - x_b)/(x* - x_b), API = (x̂_T - x_b)/(x* - x_b), gap = |x* - x̂_T|/|x* - x_b|, with x̂_T
  projected by the latest CAGR or by a time-weighted trend (logit for percentages).

A direction that is not set (None) gives no Statistics Canada category (it needs d); the ESCAP
indices measure the distance to the target and do not depend on d, so they are still computed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from etl.indicators.progress_settings import ProgressSettings

Point = tuple[int, float]

# --- category codes and their labels (the form's explanations column uses these) ---------------------

TARGET_ACHIEVED = "target_achieved"
ON_TRACK = "on_track"
ACCELERATION_NEEDED = "acceleration_needed"
LIMITED_PROGRESS = "limited_progress"
DETERIORATION = "deterioration"
REGRESSING = "regressing"

#: Statistics Canada categories, best first
CATEGORIES = (TARGET_ACHIEVED, ON_TRACK, ACCELERATION_NEEDED, LIMITED_PROGRESS, DETERIORATION)
#: ESCAP anticipated-progress categories, best first
ESCAP_CATEGORIES = (ON_TRACK, ACCELERATION_NEEDED, REGRESSING)

#: why no category was given
NO_DIRECTION = "direction_not_set"
FEW_POINTS = "fewer_points"
MIXED_SIGNS = "mixed_signs"
NO_TARGET = "no_target"
TARGET_IS_BASE = "target_equals_base"
REASONS = (NO_DIRECTION, FEW_POINTS, MIXED_SIGNS, NO_TARGET, TARGET_IS_BASE)

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "ru": {
        TARGET_ACHIEVED: "целевое значение достигнуто",
        ON_TRACK: "темп достаточен",
        ACCELERATION_NEEDED: "темп недостаточен",
        LIMITED_PROGRESS: "прогресс незначителен",
        DETERIORATION: "ухудшение",
    },
    "kk": {
        TARGET_ACHIEVED: "нысаналы мәнге қол жеткізілді",
        ON_TRACK: "қарқын жеткілікті",
        ACCELERATION_NEEDED: "қарқын жеткіліксіз",
        LIMITED_PROGRESS: "ілгерілеу шамалы",
        DETERIORATION: "нашарлау",
    },
}
REASON_LABELS: dict[str, dict[str, str]] = {
    "ru": {
        NO_DIRECTION: "динамика не оценена: не задано желательное направление",
        FEW_POINTS: "динамика не оценена: менее двух значений с базового года",
        MIXED_SIGNS: "динамика не оценена: значения разных знаков",
        NO_TARGET: "нет целевого значения",
        TARGET_IS_BASE: "целевое значение равно базовому",
    },
    "kk": {
        NO_DIRECTION: "серпін бағаланбады: қалаулы бағыт көрсетілмеген",
        FEW_POINTS: "серпін бағаланбады: базалық жылдан бері екі мәннен аз",
        MIXED_SIGNS: "серпін бағаланбады: мәндердің таңбалары әртүрлі",
        NO_TARGET: "нысаналы мән жоқ",
        TARGET_IS_BASE: "нысаналы мән базалық мәнге тең",
    },
}


def category_label(code: str | None, language: str = "ru") -> str:
    """The Statistics Canada category in Russian or Kazakh ('' for none)."""
    return CATEGORY_LABELS[language].get(code or "", "")


def reason_label(code: str | None, language: str = "ru") -> str:
    """Why a category is missing, in Russian or Kazakh ('' for none)."""
    return REASON_LABELS[language].get(code or "", "")


# --- growth rates -------------------------------------------------------------------------------------


def nonzero(value: float, replacement: float) -> float:
    """The exponential model cannot start from or aim at zero: 0 becomes ``replacement``."""
    return replacement if value == 0 else value


def cagr(start: float, end: float, years: float) -> float:
    """Compound annual growth rate from ``start`` to ``end`` over ``years`` (start non-zero, same sign)."""
    if years <= 0:
        raise ValueError(f"CAGR needs a positive span of years, got {years}")
    return (end / start) ** (1 / years) - 1


def limit_coefficient(base: float, limit: float, exponent: float) -> float:
    """Open SDG's factor C in [0, 1] that shrinks the positive growth cut-offs near a natural limit."""
    base, limit = abs(base), abs(limit)
    if base >= 2 * limit:
        return 1.0
    if base <= limit:
        return 1 - (base / limit) ** exponent
    return 1 - ((2 * limit - base) / limit) ** exponent


def target_achieved(latest: float, target: float, direction: int) -> bool:
    """The latest value is on the desirable side of the target (or on it)."""
    return latest >= target if direction == 1 else latest <= target


def ratio_category(ratio: float, s: ProgressSettings) -> str:
    """Statistics Canada category of R = observed / required growth."""
    return _band(ratio, s.ratio_on_track, s.ratio_acceleration, s.ratio_limited)


def growth_category(growth: float, s: ProgressSettings, coefficient: float = 1.0) -> str:
    """Statistics Canada category of a growth rate without a target (positive cut-offs scaled by C)."""
    if coefficient == 0 and growth >= s.growth_limited_pct / 100:
        return ON_TRACK  # the base sits on the limit and stays there
    scale = [(c * coefficient if c > 0 else c) / 100 for c in (s.growth_on_track_pct, s.growth_acceleration_pct)]
    return _band(growth, scale[0], scale[1], s.growth_limited_pct / 100)


def _band(value: float, on_track: float, acceleration: float, limited: float) -> str:
    if value >= on_track:
        return ON_TRACK
    if value >= acceleration:
        return ACCELERATION_NEEDED
    if value >= limited:
        return LIMITED_PROGRESS
    return DETERIORATION


def escap_category(api: float, s: ProgressSettings) -> str:
    """ESCAP category of the anticipated progress index."""
    if api >= s.escap_on_track_api:
        return ON_TRACK
    return ACCELERATION_NEEDED if api > s.escap_regressing_api else REGRESSING


# --- projections to the target year --------------------------------------------------------------------


def project_cagr(points: list[Point], target_year: int, zero_replacement: float = 0.001) -> float:
    """x̂_T = x_t·(1 + CAGR_a)^(T - t): the base-to-latest growth carried on (no projection backwards)."""
    (base_year, base), (latest_year, latest) = points[0], points[-1]
    rate = cagr(nonzero(base, zero_replacement), latest, latest_year - base_year)
    return latest * (1 + rate) ** max(target_year - latest_year, 0)


def weighted_slope(points: list[tuple[float, float]]) -> float:
    """Weighted least-squares slope of (x, y) with weight x - x_first + 1: recent points count more."""
    first = points[0][0]
    weights = [x - first + 1 for x, _ in points]
    total = sum(weights)
    mean_x = sum(w * x for w, (x, _) in zip(weights, points, strict=True)) / total
    mean_y = sum(w * y for w, (_, y) in zip(weights, points, strict=True)) / total
    sxy = sum(w * (x - mean_x) * (y - mean_y) for w, (x, y) in zip(weights, points, strict=True))
    sxx = sum(w * (x - mean_x) ** 2 for w, (x, _) in zip(weights, points, strict=True))
    return sxy / sxx


def project_weighted(points: list[Point], target_year: int, bounded: bool, zero_replacement: float = 0.001) -> float:
    """x̂_T from the time-weighted trend of logit(x/100) (bounded percentages) or of ln|x| (the rest),
    carried on from the latest value; the projection of a percentage stays within 0..100."""
    sign = -1.0 if points[0][1] < 0 else 1.0
    if bounded:
        low, high = zero_replacement / 100, 1 - zero_replacement / 100

        def forward(v: float) -> float:
            p = min(max(v / 100, low), high)
            return math.log(p / (1 - p))

        def back(z: float) -> float:
            return 100 / (1 + math.exp(-z))
    else:

        def forward(v: float) -> float:
            return math.log(abs(nonzero(v, zero_replacement)))

        def back(z: float) -> float:
            return sign * math.exp(z)

    slope = weighted_slope([(year, forward(value)) for year, value in points])
    latest_year, latest = points[-1]
    return back(forward(latest) + slope * max(target_year - latest_year, 0))


# --- the assessments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatCan:
    """Statistics Canada / Open SDG result: the category, or why there is none."""

    method: str  # "target" or "no_target"
    cagr_actual: float | None = None
    cagr_required: float | None = None
    ratio: float | None = None
    growth: float | None = None
    limit_coefficient: float | None = None
    category: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Escap:
    """ESCAP current status and anticipated progress (with a target only)."""

    current_status: float | None = None
    projection: str = ""
    projected_value: float | None = None
    api: float | None = None
    gap: float | None = None
    category: str | None = None
    reason: str = ""


def one_sign(points: list[Point]) -> bool:
    """An exponential model needs every value positive (zero allowed) or every value negative."""
    values = [v for _, v in points]
    return all(v >= 0 for v in values) or all(v < 0 for v in values)


def statcan(
    points: list[Point],
    direction: int | None,
    target: float | None,
    target_year: int,
    s: ProgressSettings,
    percent: bool = False,
) -> StatCan:
    """The Statistics Canada assessment of ``points`` (base first, latest last, years increasing)."""
    method = "no_target" if target is None else "target"
    if direction is None:
        return StatCan(method, reason=NO_DIRECTION)
    if target is not None and points and target_achieved(points[-1][1], target, direction):
        return StatCan(method, category=TARGET_ACHIEVED)
    if len(points) < s.min_points:
        return StatCan(method, reason=FEW_POINTS)
    if not one_sign(points):
        return StatCan(method, reason=MIXED_SIGNS)
    (base_year, base), (latest_year, latest) = points[0], points[-1]
    base = nonzero(base, s.zero_replacement)
    sign = -1 if base < 0 else 1
    actual = cagr(base, latest, latest_year - base_year)
    if target is None:
        return _without_target(actual, sign * direction, base, s, percent)
    required = cagr(base, nonzero(target, s.zero_replacement), target_year - base_year)
    if required == 0:  # target equals base and is not achieved: the value moved away from it
        return StatCan(method, actual, required, category=DETERIORATION)
    ratio = sign * direction * actual / abs(required)
    return StatCan(method, actual, required, ratio=ratio, category=ratio_category(ratio, s))


def _without_target(actual: float, signed_direction: int, base: float, s: ProgressSettings, percent: bool) -> StatCan:
    growth = signed_direction * actual
    coefficient = 1.0
    if percent and s.percent_limit_scaling and signed_direction == 1 and 0 <= base <= 100:
        coefficient = limit_coefficient(base, 100.0, s.limit_exponent)
    return StatCan(
        "no_target",
        actual,
        growth=growth,
        limit_coefficient=coefficient,
        category=growth_category(growth, s, coefficient),
    )


def escap(
    points: list[Point], target: float | None, target_year: int, s: ProgressSettings, percent: bool = False
) -> Escap:
    """ESCAP's current status index and anticipated progress index of ``points`` against ``target``."""
    if target is None:
        return Escap(reason=NO_TARGET)
    if len(points) < s.min_points:
        return Escap(reason=FEW_POINTS)
    base, latest = points[0][1], points[-1][1]
    if target == base:
        return Escap(reason=TARGET_IS_BASE)
    if not one_sign(points):
        return Escap(current_status=(latest - base) / (target - base), reason=MIXED_SIGNS)
    projection = projection_method(points, s, percent)
    if projection == "cagr":
        projected = project_cagr(points, target_year, s.zero_replacement)
    else:
        projected = project_weighted(points, target_year, projection == "weighted_logit", s.zero_replacement)
    api = (projected - base) / (target - base)
    return Escap(
        current_status=(latest - base) / (target - base),
        projection=projection,
        projected_value=projected,
        api=api,
        gap=abs(target - projected) / abs(target - base),
        category=escap_category(api, s),
    )


def projection_method(points: list[Point], s: ProgressSettings, percent: bool) -> str:
    """``cagr``, ``weighted_logit`` (percentages within 0..100) or ``weighted_log``, per the setting."""
    bounded = percent and all(0 <= v <= 100 for _, v in points)
    if s.escap_projection == "cagr" or (s.escap_projection == "auto" and not bounded):
        return "cagr"
    return "weighted_logit" if bounded else "weighted_log"


# --- which points are assessed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """Where the base comes from: the region's Appendix 1 (year and/or value) or the facts."""

    year: int | None = None
    value: float | None = None


def assessed_points(
    facts: Mapping[int, float], year: int, baseline: Baseline, s: ProgressSettings
) -> tuple[list[Point], str]:
    """(points from the base year to ``year``, base source ``appendix1`` or ``fact``).

    A baseline value in the region's list is the base point (at its year, else the default base year);
    otherwise the base is the first fact from the list's baseline year, else from the default base year.
    """
    start = baseline.year if baseline.year is not None else s.base_year
    if baseline.value is not None:
        later = [(y, v) for y, v in sorted(facts.items()) if start < y <= year]
        return ([(start, baseline.value), *later] if start <= year else []), "appendix1"
    return [(y, v) for y, v in sorted(facts.items()) if start <= y <= year], "fact"
