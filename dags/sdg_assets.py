"""Assets shared by the SDG DAGs: what ingestion produces and what indicator computation consumes."""

from __future__ import annotations

from airflow.sdk import Asset

#: New official observations have landed in the warehouse (emitted only when a load changed something).
OBSERVATIONS = Asset(name="sdg_observations", uri="sdg://warehouse/sdg/observation")
#: Indicator values (facts) were recomputed.
INDICATOR_VALUES = Asset(name="sdg_indicator_values", uri="sdg://warehouse/sdg/indicator_value")
