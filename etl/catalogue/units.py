"""Units of measure (``catalogue/units.csv``): what a value measures, so formulas can be checked and converted.

A unit is found by its code (the national platform's ``UNIT_MEASURE`` codes: ``PT``, ``PER_1000_LIVE_BIRTHS``)
or by its Russian text, compared without case and spaces (``на 100 000 населения`` = ``на 100000
населения``), including the spellings in ``aliases_ru``. ``base`` and ``multiplier`` say how to convert
(thousand persons = 1000 persons), ``kind`` and ``per`` what a formula may produce (a ratio × 1000 is a
rate per 1000), ``decimals`` and ``direction`` are the defaults of indicators in that unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from etl.catalogue.files import CatalogueError, read_rows

UNIT_COLUMNS = ("code", "unit_ru", "unit_kk", "kind", "per", "base", "multiplier", "decimals", "direction")
KINDS = frozenset({"percent", "rate", "count", "amount", "index", "other"})


@dataclass(frozen=True)
class Unit:
    code: str
    unit_ru: str
    unit_kk: str
    kind: str
    per: int | None
    base: str
    multiplier: Decimal
    decimals: int
    direction: int | None

    def converts_to(self, other: Unit) -> Decimal | None:
        """Factor turning a value in this unit into ``other`` (1000 for thousand persons → persons), or None."""
        if self.code == other.code:
            return Decimal(1)
        if self.base and self.base == other.base:
            return self.multiplier / other.multiplier
        return None


def normalise(text: str) -> str:
    """Unit text as compared: lower case, no spaces (``"на 100 000 населения"`` → ``"на100000населения"``)."""
    return "".join(text.lower().split())


class Units:
    """The unit table with lookups by code and by Russian text."""

    def __init__(self, units: list[Unit], aliases: dict[str, str]) -> None:
        self.by_code = {u.code: u for u in units}
        self._by_text = {normalise(u.unit_ru): u for u in units}
        self._by_text.update({text: self.by_code[code] for text, code in aliases.items()})

    def find(self, code: str = "", text: str = "") -> Unit | None:
        """The unit with this code, else the one written ``text``; None when neither is known."""
        if code and code in self.by_code:
            return self.by_code[code]
        return self._by_text.get(normalise(text)) if text.strip() else None

    def __len__(self) -> int:
        return len(self.by_code)


def load_units(folder: Path | None = None) -> Units:
    units: list[Unit] = []
    aliases: dict[str, str] = {}
    for row in read_rows("units.csv", UNIT_COLUMNS, folder):
        kind = row.text("kind")
        if kind not in KINDS:
            raise CatalogueError(f"{row.where('kind')}: expected one of {sorted(KINDS)}, got {kind!r}")
        per = row.integer("per", required=kind == "rate")
        direction = row.integer("direction", required=False)
        if direction not in (None, -1, 1):
            raise CatalogueError(f"{row.where('direction')}: expected 1, -1 or empty, got {direction}")
        base = row.text("base", required=False)
        unit = Unit(
            code=row.text("code"),
            unit_ru=" ".join(row.text("unit_ru").split()),
            unit_kk=" ".join(row.text("unit_kk").split()),
            kind=kind,
            per=per,
            base=base,
            multiplier=row.decimal("multiplier", required=bool(base)) or Decimal(1),
            decimals=row.integer("decimals") or 0,
            direction=direction,
        )
        units.append(unit)
        for alias in row.text("aliases_ru", required=False).split(";"):
            if alias.strip():
                aliases[normalise(alias)] = unit.code
    codes = [u.code for u in units]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise CatalogueError(f"units.csv: column 'code' repeats {repeated}")
    bases = {u.base for u in units if u.base} - set(codes)
    if bases:
        raise CatalogueError(f"units.csv: base units {sorted(bases)} are not themselves in the table")
    return Units(units, aliases)
