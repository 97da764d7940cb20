"""Facts: indicator values per region and year from the current observations of mapped series.

Set-based SQL over the warehouse, so provenance (which observations and snapshots) is recorded with
each value. When several mapped series have the cell, a value beats no value, then the mapping's
priority decides (the statistics office's own data first: ``SOURCE_PRIORITY`` in the catalogue model).
Re-running with unchanged observations rewrites identical rows.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

#: observation status → indicator value status
_STATUS = "CASE o.obs_status WHEN 'A' THEN 'final' WHEN 'suppressed' THEN 'suppressed' ELSE 'missing' END"

_DIRECT = f"""
INSERT INTO sdg.indicator_value AS iv (indicator_code, kato_code, year, value, value_text, status, unit,
                                       observation_ids, snapshot_ids, computed_at)
SELECT DISTINCT ON (m.indicator_code, o.kato_code, EXTRACT(YEAR FROM o.period_end)::int)
       m.indicator_code, o.kato_code, EXTRACT(YEAR FROM o.period_end)::int,
       o.value * m.scale, o.value_text, {_STATUS}, o.unit,
       ARRAY[o.observation_id], ARRAY[o.snapshot_id], now()
FROM sdg.indicator_series AS m
JOIN sdg.series AS s ON s.series_key = m.series_key
JOIN sdg.observation AS o ON o.series_id = s.series_id AND o.valid_to IS NULL
WHERE m.formula = 'direct' AND o.frequency = 'A' AND o.dims = m.dims
  AND (CAST(:year AS integer) IS NULL OR EXTRACT(YEAR FROM o.period_end) = :year)
ORDER BY m.indicator_code, o.kato_code, EXTRACT(YEAR FROM o.period_end)::int,
         o.value IS NULL, m.priority, m.series_key
ON CONFLICT (indicator_code, kato_code, year) DO UPDATE
SET value = EXCLUDED.value, value_text = EXCLUDED.value_text, status = EXCLUDED.status,
    unit = EXCLUDED.unit, observation_ids = EXCLUDED.observation_ids,
    snapshot_ids = EXCLUDED.snapshot_ids,
    computed_at = CASE WHEN (iv.value, iv.status, iv.observation_ids)
                          IS NOT DISTINCT FROM (EXCLUDED.value, EXCLUDED.status, EXCLUDED.observation_ids)
                       THEN iv.computed_at ELSE EXCLUDED.computed_at END
"""


def compute_indicator_values(conn: Connection, year: int | None = None) -> int:
    """Compute facts for one year (or all years); return the number of indicator values written."""
    return conn.execute(text(_DIRECT), {"year": year}).rowcount
