"""The explanation printed in the form's «Пояснения» column from a stored progress row, Fact and Plan.

Russian: «ниже плана на 1,2 п.п.; темп недостаточен»; Kazakh: «жоспардан 1,2 п.т. төмен; қарқын
жеткіліксіз». The gap to plan is in percentage points when the unit is a percent, else in the
indicator's unit, rounded to the indicator's decimals; then the Statistics Canada category, or why
there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from etl.indicators.progress import category_label, reason_label
from etl.quality.settings import is_percent
from etl.sources.observations import round_half_up

Number = Decimal | float | int

_POINTS = {"ru": "п.п.", "kk": "п.т."}


def progress_note(
    progress: Mapping | None,
    fact: Number | None,
    plan: Number | None,
    language: str = "ru",
    unit: str | None = None,
    decimals: int | None = None,
    with_reason: bool = True,
) -> str:
    """Explanation text in ``language`` ("ru" or "kk"); '' when there is nothing to say.

    ``progress`` is a row of ``sdg.indicator_progress`` as a mapping (None: no assessment); its
    ``inputs`` give the unit (``unit_ru``/``unit_kk``), whether it is a percent and the decimals unless
    ``unit``/``decimals`` are given. ``with_reason`` adds why no category was given.
    """
    if language not in _POINTS:
        raise ValueError(f"language must be 'ru' or 'kk', got {language!r}")
    inputs = dict((progress or {}).get("inputs") or {})
    if unit is None:
        unit = inputs.get(f"unit_{language}") or inputs.get("unit_ru") or ""
        percent = bool(inputs.get("percent")) or is_percent(unit)
    else:
        percent = is_percent(unit)
    places = decimals if decimals is not None else int(inputs.get("decimals", 1))
    parts = [plan_gap_text(fact, plan, language, _POINTS[language] if percent else unit, places)]
    if progress is not None:
        label = category_label(progress.get("category"), language)
        parts.append(label or (reason_label(progress.get("reason"), language) if with_reason else ""))
    return "; ".join(p for p in parts if p)


def plan_gap_text(fact: Number | None, plan: Number | None, language: str, unit: str, decimals: int) -> str:
    """«выше/ниже плана на X unit» / «жоспардан X unit жоғары/төмен»; '' without both numbers."""
    if fact is None or plan is None:
        return ""
    gap = round_half_up(Decimal(str(fact)) - Decimal(str(plan)), decimals)
    if gap == 0:
        return "на уровне плана" if language == "ru" else "жоспар деңгейінде"
    amount = f"{abs(gap):.{decimals}f}".replace(".", ",")
    if language == "ru":
        return f"{'выше' if gap > 0 else 'ниже'} плана на {amount}{' ' + unit if unit else ''}"
    shown = unit if unit in _POINTS.values() or not unit else f"({unit})"
    return f"жоспардан {amount}{' ' + shown if shown else ''} {'жоғары' if gap > 0 else 'төмен'}"
