"""Assets shared by the SDG DAGs: what ingestion produces and what indicator computation consumes."""

from __future__ import annotations

from airflow.sdk import Asset
from sdg_airflow.sources import SCHEDULES

#: New official observations of a source have landed (emitted only when a load changed something).
OBSERVATIONS = {
    source: Asset(name=f"sdg_observations_{source}", uri=f"sdg://warehouse/sdg/observation/{source}")
    for source in SCHEDULES
}
#: Indicator values (facts) were recomputed.
INDICATOR_VALUES = Asset(name="sdg_indicator_values", uri="sdg://warehouse/sdg/indicator_value")
