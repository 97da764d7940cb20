"""Nightly Taldau ingestion (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from sdg_airflow.connections import apply_connections
from sdg_assets import OBSERVATIONS


@dag(
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
    catchup=False,
    max_active_runs=1,
    tags=["sdg", "ingestion", "taldau"],
    default_args={
        "on_execute_callback": apply_connections,
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def sdg_taldau_ingest():
    """
    ### Nightly Taldau ingestion

    Fetches every Taldau series declared in `catalogue/series/taldau.csv` (one mapped task per series, at most two
    at a time to be polite to the Bureau of National Statistics), keeps each raw answer as a snapshot and
    loads new or revised values. Emits the `sdg_observations` asset only when something changed.
    """

    @task
    def prepare_warehouse() -> dict:
        from etl.jobs import prepare_warehouse

        return prepare_warehouse()

    @task
    def declared_series() -> list[str]:
        from etl.jobs import series_keys

        return series_keys("taldau")

    @task(max_active_tis_per_dag=2)
    def ingest(series_key: str) -> dict:
        from etl.jobs import ingest

        return ingest("taldau", series_key)

    @task(outlets=[OBSERVATIONS], trigger_rule="all_done")
    def announce_changes(results: list[dict]) -> int:
        from airflow.sdk.exceptions import AirflowSkipException

        from etl.jobs import changed_series

        changed = changed_series(list(results))
        if not changed:
            raise AirflowSkipException("no series changed: no asset event, no recomputation")
        return changed

    @task(trigger_rule="all_done")
    def check_all_loaded(keys: list[str], results: list[dict]) -> None:
        from etl.jobs import check_all_ingested

        check_all_ingested(list(keys), list(results))

    keys = declared_series()
    prepare_warehouse() >> keys
    results = ingest.expand(series_key=keys)
    announce_changes(results)
    check_all_loaded(keys, results)


sdg_taldau_ingest()
