"""``catalogue/formulas.csv``: computed indicators, checked when the catalogue loads, never at compute time.

One row per operand; the rows of one (indicator_code, kato_code) make one formula (``*`` = every region,
a KATO code = that region's own formula, e.g. a city reported by another series). Refused here, with
file, line and column: a formula the code cannot compute, operands that do not fit it, an operand naming
no declared series, a unit that is not in ``units.csv``, differs from the series' own, or cannot produce
the indicator's unit (a ratio × 1000 must give a rate per 1000; a sum adds one kind of quantity).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from etl.catalogue.files import ALL_REGIONS, CatalogueError, Row, read_rows
from etl.catalogue.units import Unit, Units
from etl.sources.observations import dims_key

FORMULA_COLUMNS = ("indicator_code", "kato_code", "formula", "factor", "role", "series_key", "dims", "unit_ru")
FILE = "formulas.csv"

#: formula → the roles of its operands, in order; ``+`` = one or more of that role
ROLES: dict[str, tuple[str, ...]] = {
    "ratio": ("numerator", "denominator"),
    "per_capita": ("numerator", "population"),
    "share": ("part", "total"),
    "sum": ("term+",),
    "difference": ("minuend", "subtrahend"),
}
FORMULAS = frozenset(ROLES)
_DIM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([^=;|]+)$")


@dataclass(frozen=True)
class Operand:
    position: int
    role: str
    series_key: str
    dims: str
    #: the unit the operand is published in (Russian text as in units.csv) and the factor to the formula's unit
    unit: str
    scale: Decimal = Decimal(1)
    label_ru: str = ""
    label_kk: str = ""

    def label(self, language: str) -> str:
        """The label from formulas.csv, else the series and its cut: two operands of one submitter's file
        differ only in their dims (``files:vital_dept [INDICATOR=births_live]``)."""
        own = self.label_kk if language == "kk" else self.label_ru
        return own or (f"{self.series_key} [{self.dims}]" if self.dims else self.series_key)


@dataclass(frozen=True)
class Formula:
    indicator_code: str
    kato_code: str
    formula: str
    factor: Decimal
    operands: tuple[Operand, ...]
    priority: int = 50


def load_formulas(
    folder: Path | None,
    indicators: dict,
    series: dict,
    units: Units,
    regions: set[str],
) -> list[Formula]:
    """Every formula of the file, checked against the indicators, series, units and regions given."""
    path_rows: dict[tuple[str, str], list[Row]] = defaultdict(list)
    try:
        rows = list(read_rows(FILE, FORMULA_COLUMNS, folder))
    except CatalogueError as exc:
        if "is missing" in str(exc):
            return []  # no computed indicators
        raise
    for row in rows:
        path_rows[(row.text("indicator_code"), row.text("kato_code"))].append(row)
    return [_formula(key, group, indicators, series, units, regions) for key, group in path_rows.items()]


def _formula(
    key: tuple[str, str], rows: list[Row], indicators: dict, series: dict, units: Units, regions: set[str]
) -> Formula:
    code, kato = key
    first = rows[0]
    indicator = indicators.get(code)
    if indicator is None:
        raise CatalogueError(f"{first.where('indicator_code')}: unknown indicator {code!r}")
    if kato != ALL_REGIONS and kato not in regions:
        raise CatalogueError(f"{first.where('kato_code')}: expected '*' or a KATO code of regions.csv, got {kato!r}")
    formula = first.text("formula")
    if formula not in FORMULAS:
        raise CatalogueError(
            f"{first.where('formula')}: {code}: formula {formula!r} cannot be computed; known: {sorted(FORMULAS)}"
        )
    factor = first.decimal("factor", required=False)
    if factor is None:  # not ``or``: a factor of 0 is an error to report, not a default to apply
        factor = Decimal(100 if formula == "share" else 1)
    _check_same(rows, formula, factor, code, kato)
    if factor <= 0 or (formula == "share" and factor != 100):
        raise CatalogueError(f"{first.where('factor')}: {code}: factor {factor} does not fit formula {formula!r}")
    _check_roles(formula, rows, code)
    result_unit = units.find(getattr(indicator, "unit_code", ""), indicator.unit_ru)
    if result_unit is None:
        raise CatalogueError(
            f"{first.where('indicator_code')}: {code}: the indicator's unit {indicator.unit_ru!r} is not in units.csv"
        )
    operand_units = [_operand_unit(row, series, units) for row in rows]
    scales = _scales(formula, factor, operand_units, result_unit, rows, code)
    operands = tuple(
        Operand(
            position=position,
            role=row.text("role"),
            series_key=row.text("series_key"),
            dims=_dims(row),
            unit=unit.unit_ru,
            scale=scale,
            label_ru=row.text("label_ru", required=False),
            label_kk=row.text("label_kk", required=False),
        )
        for position, (row, unit, scale) in enumerate(zip(rows, operand_units, scales, strict=True), start=1)
    )
    priority = first.integer("priority", required=False)
    return Formula(code, kato, formula, factor, operands, 50 if priority is None else priority)


def _dims(row: Row) -> str:
    """The operand's cut in the observations' own form (pairs sorted by name, totals left out), because
    ``SEX=F; AGE=Y0`` as written would never equal the stored ``AGE=Y0|SEX=F`` and the operand would stay empty."""
    raw = row.text("dims", required=False)
    pairs: dict[str, str] = {}
    for part in re.split(r"[;|]", raw):
        pair = "".join(part.split())
        if not pair:
            continue
        match = _DIM.match(pair)
        if match is None or match.group(1) in pairs:
            raise CatalogueError(
                f"{row.where('dims')}: expected DIMENSION=CODE pairs joined by '|' (SEX=F|AGE=Y0T4), "
                f"each dimension once, got {raw!r}"
            )
        pairs[match.group(1)] = match.group(2)
    return dims_key(pairs)


def _check_same(rows: list[Row], formula: str, factor: Decimal, code: str, kato: str) -> None:
    """Rows after the first may leave formula and factor empty; when given, they must agree with it."""
    first = rows[0].line
    for row in rows[1:]:
        other = row.text("formula", required=False)
        if other and other != formula:
            raise CatalogueError(f"{row.where('formula')}: {code} {kato}: {other!r} differs from line {first}")
        if row.text("factor", required=False) and row.decimal("factor") != factor:
            raise CatalogueError(f"{row.where('factor')}: {code} {kato}: factor differs from line {first}")


def _check_roles(formula: str, rows: list[Row], code: str) -> None:
    expected = ROLES[formula]
    roles = [row.text("role") for row in rows]
    if expected == ("term+",):
        ok = len(roles) >= 2 and set(roles) == {"term"}
    else:
        ok = roles == list(expected)
    if not ok:
        wanted = "two or more 'term'" if expected == ("term+",) else ", ".join(expected)
        # name the first line whose role is out of place (the first line when only the count is wrong)
        wanted_roles = ["term"] * len(roles) if expected == ("term+",) else list(expected)
        bad = next((r for r, w in zip(rows, wanted_roles, strict=False) if r.text("role") != w), rows[0])
        raise CatalogueError(
            f"{bad.where('role')}: {code}: formula {formula!r} takes operands ({wanted}) in this order, got {roles}"
        )


def _operand_unit(row: Row, series: dict, units: Units) -> Unit:
    key = row.text("series_key")
    declared = series.get(key)
    if declared is None:
        raise CatalogueError(f"{row.where('series_key')}: operand names no declared series {key!r} (series/*.csv)")
    text = row.text("unit_ru")
    unit = units.find(text=text)
    if unit is None:
        raise CatalogueError(f"{row.where('unit_ru')}: unit {text!r} is not in units.csv")
    if declared.unit_ru:
        own = units.find(text=declared.unit_ru)
        if own is None or own.code != unit.code:
            raise CatalogueError(f"{row.where('unit_ru')}: {key} is published in {declared.unit_ru!r}, not {text!r}")
    return unit


def _scales(
    formula: str, factor: Decimal, units: list[Unit], result: Unit, rows: list[Row], code: str
) -> list[Decimal]:
    """Factor per operand to the unit the formula works in; a unit that cannot fit is refused."""
    where = rows[0].where("unit_ru")
    if formula in ("sum", "difference"):
        scales = [unit.converts_to(result) for unit in units]
        if any(s is None for s in scales):
            bad = [u.unit_ru for u, s in zip(units, scales, strict=True) if s is None]
            first_bad = next(row for row, s in zip(rows, scales, strict=True) if s is None)
            raise CatalogueError(
                f"{first_bad.where('unit_ru')}: {code}: {formula} of {bad} cannot give the indicator's unit "
                f"{result.unit_ru!r}"
            )
        return [s for s in scales if s is not None]
    top, bottom = units
    if formula == "share":
        scale = top.converts_to(bottom)
        if scale is None or result.kind != "percent":
            raise CatalogueError(
                f"{where}: {code}: a share of {top.unit_ru!r} in {bottom.unit_ru!r} is not a percent of like "
                f"quantities (indicator unit {result.unit_ru!r})"
            )
        return [scale, Decimal(1)]
    fits = (result.kind == "rate" and result.per == factor) or (result.kind == "percent" and factor == 100)
    fits = fits or (factor == 1 and result.kind in ("index", "other"))
    if not fits:  # the factor is the cell at fault (the indicator's unit is fixed by indicators.csv)
        per = f" per {result.per}" if result.per else ""
        raise CatalogueError(
            f"{rows[0].where('factor')}: {code}: {formula} × {factor} gives a rate per {factor}, "
            f"but the indicator's unit is {result.unit_ru!r} ({result.kind}{per})"
        )
    if formula == "per_capita" and bottom.base != "PERSONS":
        raise CatalogueError(
            f"{rows[1].where('unit_ru')}: {code}: per_capita divides by a number of persons, not by {bottom.unit_ru!r}"
        )
    # counts in thousands become counts, so deaths per (thousand persons) come out right
    return [unit.multiplier if unit.base else Decimal(1) for unit in units]
