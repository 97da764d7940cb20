"""A fingerprint of everything in sdg.observation, for tests that prove a failure or re-run changed nothing."""

from __future__ import annotations

from sqlalchemy import text

CHECKSUM = """
SELECT count(*), md5(coalesce(string_agg(
    concat_ws('|', observation_id, series_id, kato_code, period_start, period_end, frequency, dims, value,
              value_text, obs_status, unit, snapshot_id, valid_from, valid_to, superseded_by_snapshot_id),
    ';' ORDER BY observation_id), ''))
FROM sdg.observation
"""


def observations_checksum(engine) -> tuple:
    """(row count, md5 of every column of every row in id order)."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(CHECKSUM)).one())
