"""Assets shared by the SDG DAGs: what ingestion produces and what indicator computation consumes."""

from __future__ import annotations

from airflow.sdk import Asset

from etl.sources.registry import SOURCES

#: New official observations of a source have landed (emitted only when a load changed something).
OBSERVATIONS = {
    source: Asset(name=f"sdg_observations_{source}", uri=f"sdg://warehouse/sdg/observation/{source}")
    for source in SOURCES
}
#: Indicator values (facts) were recomputed.
INDICATOR_VALUES = Asset(name="sdg_indicator_values", uri="sdg://warehouse/sdg/indicator_value")
