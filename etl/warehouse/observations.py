"""Bulk load of parsed observations with vintages, in the caller's transaction.

Rows go through ``COPY`` into a temporary stage, then two set-based statements merge them: a changed
value closes the current row (``valid_to``, ``superseded_by_snapshot_id``) and a new current row opens;
an unchanged value is left alone. Loading the same snapshot twice therefore changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.sources.observations import OBSERVATION_COLUMNS
from etl.warehouse.copy import copy_frame

_KEY = ("kato_code", "period_start", "period_end", "dims")

_STAGE_DDL = """
CREATE TEMP TABLE obs_stage (
    kato_code char(9), period_start date, period_end date, frequency char(1), dims text,
    value numeric, value_text text, obs_status text, unit text
) ON COMMIT DROP
"""

_HAS_CURRENT = "SELECT EXISTS (SELECT 1 FROM sdg.observation WHERE series_id = :series_id AND valid_to IS NULL)"

_IDS_EXIST = """
SELECT EXISTS (SELECT 1 FROM sdg.series WHERE series_id = :series_id) AS series,
       EXISTS (SELECT 1 FROM sdg.snapshot WHERE snapshot_id = :snapshot_id) AS snapshot
"""

_CLOSE_CHANGED = """
UPDATE sdg.observation AS o
SET valid_to = :valid_from, superseded_by_snapshot_id = :snapshot_id
FROM obs_stage AS s
WHERE o.series_id = :series_id AND o.valid_to IS NULL
  AND o.kato_code = s.kato_code AND o.period_start = s.period_start
  AND o.period_end = s.period_end AND o.dims = s.dims
  AND (o.value IS DISTINCT FROM s.value OR o.obs_status <> s.obs_status
       OR (o.value IS NULL AND o.value_text <> s.value_text)
       OR o.unit IS DISTINCT FROM s.unit)
"""

_INSERT_NEW = """
INSERT INTO sdg.observation (series_id, kato_code, period_start, period_end, frequency, dims, value,
                             value_text, obs_status, unit, snapshot_id, valid_from)
SELECT :series_id, s.kato_code, s.period_start, s.period_end, s.frequency, s.dims, s.value,
       s.value_text, s.obs_status, s.unit, :snapshot_id, :valid_from
FROM obs_stage AS s
WHERE NOT EXISTS (
    SELECT 1 FROM sdg.observation AS o
    WHERE o.series_id = :series_id AND o.valid_to IS NULL
      AND o.kato_code = s.kato_code AND o.period_start = s.period_start
      AND o.period_end = s.period_end AND o.dims = s.dims
)
"""


@dataclass(frozen=True)
class LoadResult:
    rows: int
    inserted: int
    revised: int
    unchanged: int


class DuplicateCutError(ValueError):
    """The same (region, period, disaggregation) occurs twice in one snapshot: which one is right?"""


def load_observations(
    conn: Connection, frame: pd.DataFrame, *, series_id: int, snapshot_id: int, valid_from: datetime
) -> LoadResult:
    """Merge ``frame`` (columns :data:`OBSERVATION_COLUMNS`) into ``sdg.observation`` for one series.

    A series with no current rows yet (its first load) is copied straight into the table; later loads go
    through the stage and the vintage merge.
    """
    _check_unique(frame)
    params = {"series_id": series_id, "snapshot_id": snapshot_id, "valid_from": valid_from}
    _check_ids(conn, params)
    _check_regions(conn, frame)
    if not conn.execute(text(_HAS_CURRENT), params).scalar():
        extra: dict[str, int | str] = {
            "series_id": series_id,
            "snapshot_id": snapshot_id,
            "valid_from": valid_from.isoformat(),
        }
        copy_frame(conn, frame.assign(**extra), "sdg.observation", OBSERVATION_COLUMNS + tuple(extra))
        return LoadResult(rows=len(frame), inserted=len(frame), revised=0, unchanged=0)
    conn.execute(text(_STAGE_DDL))
    copy_frame(conn, frame, "obs_stage", OBSERVATION_COLUMNS)
    revised = conn.execute(text(_CLOSE_CHANGED), params).rowcount
    inserted = conn.execute(text(_INSERT_NEW), params).rowcount
    conn.execute(text("DROP TABLE obs_stage"))
    return LoadResult(rows=len(frame), inserted=inserted - revised, revised=revised, unchanged=len(frame) - inserted)


class UnknownReferenceError(ValueError):
    """A load names a series, snapshot or region the warehouse does not have."""


def _check_ids(conn: Connection, params: dict) -> None:
    found = conn.execute(text(_IDS_EXIST), params).one()
    if not found.series:
        raise UnknownReferenceError(f"series_id {params['series_id']} is not in sdg.series")
    if not found.snapshot:
        raise UnknownReferenceError(f"snapshot_id {params['snapshot_id']} is not in sdg.snapshot")


def _check_regions(conn: Connection, frame: pd.DataFrame) -> None:
    known = set(conn.execute(text("SELECT kato_code FROM sdg.region")).scalars())
    unknown = set(frame["kato_code"].unique()) - known
    if unknown:
        raise UnknownReferenceError(f"KATO codes not in sdg.region: {sorted(unknown)[:10]}")


def _check_unique(frame: pd.DataFrame) -> None:
    dupes = frame[frame.duplicated(list(_KEY), keep=False)]
    if not dupes.empty:
        sample = dupes.head(5)[list(_KEY)].to_dict("records")
        raise DuplicateCutError(f"{len(dupes)} rows share a (region, period, dims) cut, e.g. {sample}")
