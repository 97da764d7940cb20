"""Computed indicators: a formula over operand series, evaluated for one region and year.

Pure arithmetic on published values (Decimal, no floats), so golden values can be worked out by hand.
A value exists only when every operand has one; otherwise the result is empty with an explanation in
Russian and Kazakh naming the operand that is missing or suppressed, or the zero it would divide by.
The result is rounded half-up to the indicator's decimals, as a statistics office publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from etl.catalogue.formulas import Formula, Operand
from etl.sources.observations import round_half_up

#: operand roles as the form's explanations name them
ROLE_NAMES: dict[str, dict[str, str]] = {
    "ru": {
        "numerator": "числитель",
        "denominator": "знаменатель",
        "population": "численность населения",
        "part": "часть",
        "total": "итог",
        "term": "слагаемое",
        "minuend": "уменьшаемое",
        "subtrahend": "вычитаемое",
    },
    "kk": {
        "numerator": "алымы",
        "denominator": "бөлімі",
        "population": "халық саны",
        "part": "бөлігі",
        "total": "жиыны",
        "term": "қосылғыш",
        "minuend": "азайғыш",
        "subtrahend": "азайтқыш",
    },
}
_TEXTS = {
    "ru": {
        # no adjective agrees with the role: roles are of every gender (числитель, численность, слагаемое)
        "missing": "Не рассчитано: нет данных ({role}: {label}) за {year} год",
        "suppressed": "Не рассчитано: значение конфиденциально (x) ({role}: {label}) за {year} год",
        "zero": "Не рассчитано: деление на нуль ({role}: {label}) за {year} год",
        "unit": "Не рассчитано: единица «{unit}» вместо «{expected}» ({role}: {label}) за {year} год",
    },
    "kk": {
        "missing": "Есептелмеді: {year} жылғы деректер жоқ ({role}: {label})",
        "suppressed": "Есептелмеді: {year} жылғы {role} құпия (x) ({label})",
        "zero": "Есептелмеді: {year} жылғы {role} нөлге тең ({label})",
        "unit": "Есептелмеді: {year} жылғы {role} ({label}) «{unit}» бірлігінде жарияланған, «{expected}» күтіледі",
    },
}


@dataclass(frozen=True)
class OperandValue:
    """One current observation of an operand: what was published, and where it came from."""

    value: Decimal | None
    status: str
    value_text: str
    observation_id: int
    snapshot_id: int
    unit: str = ""
    #: True when the observation's unit is not the operand's (checked by the caller against the unit table)
    unit_mismatch: bool = False


@dataclass(frozen=True)
class Outcome:
    value: Decimal | None
    status: str
    explanation_ru: str = ""
    explanation_kk: str = ""


def evaluate(formula: Formula, values: dict[int, OperandValue | None], year: int, decimals: int) -> Outcome:
    """The indicator's value from its operands' values (keyed by position), or why there is none."""
    scaled: dict[int, Decimal] = {}
    for operand in formula.operands:
        value = values.get(operand.position)
        problem = _problem(operand, value)
        if problem:
            return _empty(problem, operand, value, year)
        assert value is not None and value.value is not None  # not missing: published with a value (0002's CHECK)
        scaled[operand.position] = value.value * operand.scale
    by_role = [(op, scaled[op.position]) for op in formula.operands]
    if formula.formula in ("ratio", "per_capita", "share"):
        (_, top), (bottom_op, bottom) = by_role
        if bottom == 0:
            return _empty("zero", bottom_op, values[bottom_op.position], year)
        factor = Decimal(100) if formula.formula == "share" else formula.factor
        result = top / bottom * factor
    elif formula.formula == "sum":
        result = sum((v for _, v in by_role), Decimal(0))
    elif formula.formula == "difference":
        result = by_role[0][1] - sum((v for _, v in by_role[1:]), Decimal(0))
    else:  # the catalogue refuses other formulas at load; reaching here is a programming error
        raise ValueError(f"formula {formula.formula!r} of {formula.indicator_code} cannot be computed")
    return Outcome(round_half_up(result, decimals), "final")


def _problem(operand: Operand, value: OperandValue | None) -> str:
    if value is None or value.status in ("missing", "invalid"):
        return "missing"
    if value.status == "suppressed":
        return "suppressed"
    if value.unit_mismatch:
        return "unit"
    return ""


def _empty(problem: str, operand: Operand, value: OperandValue | None, year: int) -> Outcome:
    status = "suppressed" if problem == "suppressed" else "missing"
    texts = []
    for language in ("ru", "kk"):
        role = operand.role.rstrip("+")
        texts.append(
            _TEXTS[language][problem].format(
                role=ROLE_NAMES[language][role],
                label=operand.label(language),
                year=year,
                unit=value.unit if value else "",
                expected=operand.unit,
            )
        )
    return Outcome(None, status, texts[0], texts[1])
