"""What the exports read from the warehouse: region codes, current platform observations, the project's facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

NATIONAL_KATO = "000000000"

_PLATFORM_OBSERVATIONS = """
SELECT s.series_key, s.params->>'indicator_id' AS indicator_id, o.observation_id, o.kato_code,
       EXTRACT(YEAR FROM o.period_end)::int AS year, o.dims, o.value, o.value_text, o.obs_status
FROM sdg.series AS s
JOIN sdg.observation AS o ON o.series_id = s.series_id AND o.valid_to IS NULL AND o.frequency = 'A'
WHERE s.source = 'opensdg'
ORDER BY s.series_key, o.observation_id
"""

_NEWEST_SNAPSHOTS = """
SELECT DISTINCT ON (n.series_key) n.series_key, s.params->>'indicator_id' AS indicator_id, n.storage_path, n.sha256,
       n.url
FROM sdg.snapshot AS n JOIN sdg.series AS s ON s.series_key = n.series_key
WHERE n.source = 'opensdg' AND n.loaded_at IS NOT NULL AND n.load_error IS NULL
ORDER BY n.series_key, n.fetched_at DESC, n.snapshot_id DESC
"""

_FACTS = """
SELECT iv.indicator_code, i.opensdg_id, i.decimals, i.unit_code, iv.kato_code, iv.year, iv.value, iv.status,
       iv.observation_ids, iv.formula,
       (SELECT m.dims FROM sdg.indicator_series AS m
        WHERE m.indicator_code = i.code AND m.series_key = 'opensdg:' || i.opensdg_id
        ORDER BY m.priority, m.dims LIMIT 1) AS platform_cut
FROM sdg.indicator_value AS iv JOIN sdg.indicator AS i ON i.code = iv.indicator_code
WHERE iv.year <= :year AND iv.value IS NOT NULL
ORDER BY iv.indicator_code, iv.year, iv.kato_code
"""


@dataclass(frozen=True)
class Fact:
    """One filled indicator value (``sdg.indicator_value``) with what an export needs to place it."""

    indicator_code: str
    opensdg_id: str
    decimals: int
    unit_code: str
    kato_code: str
    year: int
    value: Decimal
    status: str
    observation_ids: tuple[int, ...]
    formula: str
    #: the dims key of the platform cut the indicator is mapped to; None when it is not mapped to the platform
    platform_cut: str | None

    @property
    def cut(self) -> str:
        """The cut to publish the value under: the mapped platform cut, else the indicator's unit only."""
        if self.platform_cut is not None:
            return self.platform_cut
        return f"UNIT_MEASURE={self.unit_code}" if self.unit_code else ""


def region_codes(conn: Connection, scheme: str) -> dict[str, str]:
    """KATO -> the region's code in ``scheme`` (one per region; two would make the export ambiguous)."""
    rows = conn.execute(
        text("SELECT kato_code, alias FROM sdg.region_alias WHERE scheme = :s ORDER BY alias"), {"s": scheme}
    ).all()
    codes: dict[str, str] = {}
    for kato, alias in rows:
        if kato in codes:
            raise LookupError(f"region {kato} has two {scheme} codes ({codes[kato]}, {alias}) in sdg.region_alias")
        codes[kato] = alias
    return codes


def region_order(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(text("SELECT kato_code, sort_order FROM sdg.region")).all())


def platform_observations(conn: Connection) -> Iterable[Any]:
    return conn.execute(text(_PLATFORM_OBSERVATIONS))


def newest_snapshots(conn: Connection) -> dict[str, Any]:
    """The newest loaded snapshot of each platform series (its bytes give the file's layout)."""
    return {r.series_key: r for r in conn.execute(text(_NEWEST_SNAPSHOTS))}


def facts(conn: Connection, year: int) -> list[Fact]:
    """Every filled fact up to ``year``."""
    return [
        Fact(
            r.indicator_code,
            r.opensdg_id or "",
            r.decimals,
            r.unit_code or "",
            r.kato_code,
            r.year,
            r.value,
            r.status,
            tuple(r.observation_ids),
            r.formula,
            r.platform_cut,
        )
        for r in conn.execute(text(_FACTS), {"year": year})
    ]
