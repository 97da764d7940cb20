"""The sources' pools and Celery queues in Airflow's terms, read from the one table of sources.

Each source is declared once, in ``etl/sources/registry.py`` (``SOURCES``: class, schedule, slots, priority,
pool and queue); the DAG factory (``dags/sdg_ingest.py``) reads it too. This module turns it into the pools file
the deployment imports (``python plugins/sdg_airflow/sources.py > pools.json && airflow pools import pools.json``)
and the queues a general worker listens to.
"""

from __future__ import annotations

import json

from etl.sources.registry import SOURCES


def queues() -> list[str]:
    """Every queue a general worker listens to: Airflow's ``default`` and one per source."""
    return ["default", *(spec.queue for spec in SOURCES.values())]


def pools() -> dict[str, dict]:
    """The pools in the format of ``airflow pools import``."""
    return {
        spec.pool: {"slots": spec.slots, "description": f"SDG ingestion from {spec.what}", "include_deferred": False}
        for spec in SOURCES.values()
    }


if __name__ == "__main__":
    print(json.dumps(pools(), ensure_ascii=False, indent=2))
