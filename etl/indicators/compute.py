"""Facts: indicator values per region and year, from mapped series (direct) and formulas (computed).

Every candidate value carries its provenance (the observations and snapshots it came from, and for a
formula each operand's role and published text). When several candidates have the cell, a value beats
no value, then the lower priority wins (the statistics office's own data first: each source's ``priority`` in
``etl.sources.registry``; formulas default to 50). The result replaces the facts of the years computed in
one statement set: facts no longer produced disappear, and an unchanged fact keeps its ``computed_at``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.catalogue.formulas import Formula, Operand
from etl.catalogue.units import Units, load_units, normalise
from etl.indicators.formulas import OperandValue, evaluate

log = logging.getLogger(__name__)

#: observation status → indicator value status
_STATUS = "CASE o.obs_status WHEN 'A' THEN 'final' WHEN 'suppressed' THEN 'suppressed' ELSE 'missing' END"

_DIRECT = f"""
SELECT m.indicator_code, o.kato_code, EXTRACT(YEAR FROM o.period_end)::int AS year,
       o.value * m.scale AS value, o.value_text, {_STATUS} AS status, o.unit, m.priority, m.series_key,
       o.observation_id, o.snapshot_id, o.obs_status
FROM sdg.indicator_series AS m
JOIN sdg.series AS s ON s.series_key = m.series_key
JOIN sdg.observation AS o ON o.series_id = s.series_id AND o.valid_to IS NULL
WHERE m.formula = 'direct' AND o.frequency = 'A' AND o.dims = m.dims
  AND (CAST(:year AS integer) IS NULL OR EXTRACT(YEAR FROM o.period_end) = :year)
"""

_FORMULAS = """
SELECT f.indicator_code, f.kato_code, f.formula, f.factor, f.priority, i.decimals, i.unit_ru,
       json_agg(json_build_object('position', p.position, 'role', p.role, 'series_key', p.series_key,
                                  'dims', p.dims, 'unit', p.unit, 'scale', p.scale, 'label_ru', p.label_ru,
                                  'label_kk', p.label_kk) ORDER BY p.position) AS operands
FROM sdg.indicator_formula AS f
JOIN sdg.indicator AS i ON i.code = f.indicator_code
JOIN sdg.indicator_operand AS p USING (indicator_code, kato_code)
GROUP BY f.indicator_code, f.kato_code, f.formula, f.factor, f.priority, i.decimals, i.unit_ru
"""

_OPERANDS = """
SELECT s.series_key, o.dims, o.kato_code, EXTRACT(YEAR FROM o.period_end)::int AS year, o.value, o.obs_status,
       o.value_text, o.observation_id, o.snapshot_id, COALESCE(o.unit, '') AS unit
FROM sdg.observation AS o JOIN sdg.series AS s ON s.series_id = o.series_id
WHERE o.valid_to IS NULL AND o.frequency = 'A' AND s.series_key = ANY(:keys)
  AND (CAST(:year AS integer) IS NULL OR EXTRACT(YEAR FROM o.period_end) = :year)
"""

_COLUMNS = (
    "indicator_code",
    "kato_code",
    "year",
    "value",
    "value_text",
    "status",
    "unit",
    "observation_ids",
    "snapshot_ids",
    "formula",
    "explanation_ru",
    "explanation_kk",
    "inputs",
)

_MERGE = f"""
INSERT INTO sdg.indicator_value AS iv ({", ".join(_COLUMNS)}, computed_at)
SELECT {", ".join(_COLUMNS)}, now() FROM pg_temp.indicator_value_new
ON CONFLICT (indicator_code, kato_code, year) DO UPDATE
SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[3:])},
    computed_at = CASE WHEN (iv.value, iv.status, iv.observation_ids, iv.explanation_ru, iv.formula)
                          IS NOT DISTINCT FROM (EXCLUDED.value, EXCLUDED.status, EXCLUDED.observation_ids,
                                                EXCLUDED.explanation_ru, EXCLUDED.formula)
                       THEN iv.computed_at ELSE EXCLUDED.computed_at END
"""

_DELETE_STALE = """
DELETE FROM sdg.indicator_value AS iv
WHERE (CAST(:year AS integer) IS NULL OR iv.year = :year)
  AND NOT EXISTS (SELECT 1 FROM pg_temp.indicator_value_new AS n
                  WHERE (n.indicator_code, n.kato_code, n.year) = (iv.indicator_code, iv.kato_code, iv.year))
"""


@dataclass
class Candidate:
    indicator_code: str
    kato_code: str
    year: int
    value: Decimal | None
    value_text: str
    status: str
    unit: str | None
    priority: int
    key: str
    observation_ids: list[int]
    snapshot_ids: list[int]
    formula: str = "direct"
    explanation_ru: str = ""
    explanation_kk: str = ""
    inputs: list[dict] = field(default_factory=list)

    def row(self) -> dict:
        data = {c: getattr(self, c) for c in _COLUMNS}
        data["inputs"] = json.dumps(self.inputs, ensure_ascii=False)
        return data


def compute_indicator_values(conn: Connection, year: int | None = None, units: Units | None = None) -> int:
    """Compute the facts of one year (or all years); return the number of indicator values written."""
    candidates = [*_direct(conn, year), *_computed(conn, year, units or load_units())]
    chosen = _choose(candidates)
    conn.execute(text("DROP TABLE IF EXISTS pg_temp.indicator_value_new"))
    conn.execute(
        text(
            "CREATE TEMP TABLE indicator_value_new ON COMMIT DROP AS "
            f"SELECT {', '.join(_COLUMNS)} FROM sdg.indicator_value WITH NO DATA"
        )
    )
    if chosen:
        placeholders = ", ".join("CAST(:inputs AS jsonb)" if c == "inputs" else f":{c}" for c in _COLUMNS)
        conn.execute(
            text(f"INSERT INTO pg_temp.indicator_value_new ({', '.join(_COLUMNS)}) VALUES ({placeholders})"),
            [c.row() for c in chosen],
        )
    conn.execute(text(_MERGE))
    conn.execute(text(_DELETE_STALE), {"year": year})
    log.info(
        "indicator values of %s: %d cells, %d with a value; cells by year %s",
        year or "every year",
        len(chosen),
        sum(c.value is not None for c in chosen),
        dict(sorted(Counter(c.year for c in chosen).items())),
    )
    return len(chosen)


def _choose(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Per cell: a value first, then the lowest priority, then the series key (deterministic)."""
    best: dict[tuple[str, str, int], Candidate] = {}
    for c in candidates:
        cell = (c.indicator_code, c.kato_code, c.year)
        current = best.get(cell)
        if current is None or _rank(c) < _rank(current):
            best[cell] = c
    return [best[cell] for cell in sorted(best)]


def _rank(c: Candidate) -> tuple:
    return (c.value is None, c.priority, c.key)


def _direct(conn: Connection, year: int | None) -> list[Candidate]:
    return [
        Candidate(
            indicator_code=r.indicator_code,
            kato_code=r.kato_code,
            year=r.year,
            value=r.value,
            value_text=r.value_text,
            status=r.status,
            unit=r.unit,
            priority=r.priority,
            key=r.series_key,
            observation_ids=[r.observation_id],
            snapshot_ids=[r.snapshot_id],
            inputs=[
                {
                    "role": "direct",
                    "series_key": r.series_key,
                    "observation_id": r.observation_id,
                    "snapshot_id": r.snapshot_id,
                    "value_text": r.value_text,
                    "status": r.obs_status,
                }
            ],
        )
        for r in conn.execute(text(_DIRECT), {"year": year})
    ]


@dataclass(frozen=True)
class _Rule:
    formula: Formula
    decimals: int
    unit: str


def _computed(conn: Connection, year: int | None, units: Units) -> list[Candidate]:
    rules = [_rule(r) for r in conn.execute(text(_FORMULAS)).mappings()]
    if not rules:
        return []
    keys = sorted({op.series_key for rule in rules for op in rule.formula.operands})
    observed: dict[tuple[str, str], dict[tuple[str, int], OperandValue]] = defaultdict(dict)
    for r in conn.execute(text(_OPERANDS), {"keys": keys, "year": year}):
        observed[(r.series_key, r.dims)][(r.kato_code, r.year)] = OperandValue(
            r.value, r.obs_status, r.value_text, r.observation_id, r.snapshot_id, r.unit
        )
    by_indicator: dict[str, dict[str, _Rule]] = defaultdict(dict)
    for rule in rules:
        by_indicator[rule.formula.indicator_code][rule.formula.kato_code] = rule
    out: list[Candidate] = []
    for per_region in by_indicator.values():
        out.extend(_evaluate_indicator(per_region, observed, units))
    return out


def _rule(r) -> _Rule:
    operands = tuple(
        Operand(
            position=o["position"],
            role=o["role"],
            series_key=o["series_key"],
            dims=o["dims"],
            unit=o["unit"],
            scale=Decimal(str(o["scale"])),
            label_ru=o["label_ru"],
            label_kk=o["label_kk"],
        )
        for o in r["operands"]
    )
    formula = Formula(r["indicator_code"], r["kato_code"], r["formula"], r["factor"], operands, r["priority"])
    return _Rule(formula, int(r["decimals"]), r["unit_ru"])


def _evaluate_indicator(per_region: dict[str, _Rule], observed: dict, units: Units) -> list[Candidate]:
    """Each region with any operand observed, by its own formula or else the one for every region."""
    cells: set[tuple[str, int]] = set()
    for kato, region_rule in per_region.items():
        for op in region_rule.formula.operands:
            found = observed.get((op.series_key, op.dims), {})
            cells |= {cell for cell in found if kato == "*" or cell[0] == kato}
    out = []
    for kato, year in sorted(cells):
        rule = per_region.get(kato) or per_region.get("*")
        if rule is None:
            continue
        values = {
            op.position: _checked(observed.get((op.series_key, op.dims), {}).get((kato, year)), op, units)
            for op in rule.formula.operands
        }
        out.append(_candidate(rule, kato, year, values))
    return out


def _checked(value: OperandValue | None, operand: Operand, units: Units) -> OperandValue | None:
    """The value, flagged when it is published in another unit than the operand declares."""
    if value is None or not value.unit or normalise(value.unit) == normalise(operand.unit):
        return value
    own, expected = units.find(text=value.unit), units.find(text=operand.unit)
    if own is not None and expected is not None and own.code == expected.code:
        return value
    return OperandValue(
        value.value,
        value.status,
        value.value_text,
        value.observation_id,
        value.snapshot_id,
        value.unit,
        unit_mismatch=True,
    )


def _candidate(rule: _Rule, kato: str, year: int, values: dict[int, OperandValue | None]) -> Candidate:
    formula = rule.formula
    outcome = evaluate(formula, values, year, rule.decimals)
    present = [(op, v) for op in formula.operands if (v := values[op.position]) is not None]
    return Candidate(
        indicator_code=formula.indicator_code,
        kato_code=kato,
        year=year,
        value=outcome.value,
        value_text="" if outcome.value is None else str(outcome.value),
        status=outcome.status,
        unit=rule.unit,
        priority=formula.priority,
        key=f"formula:{formula.kato_code}",
        observation_ids=[v.observation_id for _, v in present],
        snapshot_ids=sorted({v.snapshot_id for _, v in present}),
        formula=formula.formula,
        explanation_ru=outcome.explanation_ru,
        explanation_kk=outcome.explanation_kk,
        inputs=[
            {
                "position": op.position,
                "role": op.role,
                "series_key": op.series_key,
                "dims": op.dims,
                "observation_id": v.observation_id if v else None,
                "snapshot_id": v.snapshot_id if v else None,
                "value_text": v.value_text if v else None,
                "status": v.status if v else "absent",
            }
            for op, v in ((op, values[op.position]) for op in formula.operands)
        ],
    )
