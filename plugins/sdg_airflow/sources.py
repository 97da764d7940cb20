"""The ingestion schedule of each source, and the pools that keep its requests polite.

One table for the DAG factory (``dags/sdg_ingest.py``) and for the pools file the deployment imports
(``python plugins/sdg_airflow/sources.py > pools.json && airflow pools import pools.json``).
"""

from __future__ import annotations

import json
from typing import NamedTuple


class SourceSchedule(NamedTuple):
    cron: str  # Asia/Almaty
    slots: int  # requests at a time: the pool size
    what: str


SCHEDULES: dict[str, SourceSchedule] = {
    "taldau": SourceSchedule("0 2 * * *", 2, "the Bureau of National Statistics' Taldau API"),
    "files": SourceSchedule("30 1 * * *", 1, "CSV/XLSX reports dropped by responsible bodies into the inbox"),
    "opensdg": SourceSchedule("30 2 * * *", 4, "the national SDG reporting platform (Open SDG data repository)"),
    "sdmx": SourceSchedule("0 3 * * *", 2, "SDMX REST endpoints (SDMX-ML 2.1, SDMX-JSON, SDMX-CSV 2.0)"),
    "unsd": SourceSchedule("0 4 * * 1", 1, "the UN SDG Global Database API (weekly: it changes slowly)"),
}


def pool_name(source: str) -> str:
    return f"sdg_{source}"


def queue_name(source: str) -> str:
    """The Celery queue of a source's ingestion tasks: a slow source cannot starve the others' workers."""
    return f"sdg_{source}"


def queues() -> list[str]:
    """Every queue a general worker listens to: Airflow's ``default`` and one per source."""
    return ["default", *(queue_name(source) for source in SCHEDULES)]


def pools() -> dict[str, dict]:
    """The pools in the format of ``airflow pools import``."""
    return {
        pool_name(source): {"slots": s.slots, "description": f"SDG ingestion from {s.what}", "include_deferred": False}
        for source, s in SCHEDULES.items()
    }


if __name__ == "__main__":
    print(json.dumps(pools(), ensure_ascii=False, indent=2))
