"""Nightly ingestion, one DAG per source (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from sdg_airflow.sources import SCHEDULES, pool_name
from sdg_airflow.task_policy import task_defaults
from sdg_assets import OBSERVATIONS


def ingestion_dag(source: str, schedule: str, slots: int, what: str):
    @dag(
        dag_id=f"sdg_ingest_{source}",
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
        catchup=False,
        max_active_runs=1,
        tags=["sdg", "ingestion", source],
        doc_md=f"""
### Nightly ingestion: {source}

Fetches every series declared in `catalogue/series/{source}.csv` from {what}: one mapped task per
series, at most {slots} at a time (pool `{pool_name(source)}`), each answer kept raw as a snapshot, checked with
Great Expectations (a critical failure quarantines the batch and e-mails the alert) and loaded with its
revision history. Emits `sdg_observations_{source}` only when something changed; fails at the end,
after the others have loaded, if any series failed.
""",
        # a series' requests share a 300 s deadline (SDG_SERIES_DEADLINE); the task's 20-minute limit covers
        # that plus parsing, the quality gate and the load; only transient failures get the two retries
        default_args=task_defaults(
            "ingest",
            retries=2,
            retry_delay=timedelta(minutes=2),
            retry_exponential_backoff=2.0,
            max_retry_delay=timedelta(minutes=10),
        ),
    )
    def ingestion():
        @task
        def prepare_warehouse() -> dict:
            from etl.jobs import prepare_warehouse

            return prepare_warehouse()

        @task
        def declared_series() -> list[str]:
            from etl.jobs import series_keys

            return series_keys(source)

        @task(pool=pool_name(source), max_active_tis_per_dag=slots)
        def ingest(series_key: str) -> dict:
            from airflow.sdk.exceptions import AirflowFailException

            from etl.failures import is_transient
            from etl.jobs import ingest

            try:
                return ingest(source, series_key)
            except Exception as exc:  # a 4xx, a wrong shape, a bad value will not change on retry: fail now
                if not is_transient(exc):
                    raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc
                raise

        # the two closing tasks judge what happened; a retry cannot change it, so they never retry
        @task(outlets=[OBSERVATIONS[source]], trigger_rule="all_done", retries=0)
        def announce_changes(results: list[dict]) -> int:
            from airflow.sdk.exceptions import AirflowSkipException

            from etl.jobs import changed_series

            changed = changed_series(list(results))
            if not changed:
                raise AirflowSkipException("no series changed: no asset event, no recomputation")
            return changed

        @task(trigger_rule="all_done", retries=0)
        def check_all_loaded(keys: list[str], results: list[dict]) -> None:
            from etl.jobs import check_all_ingested

            check_all_ingested(list(keys), list(results))

        keys = declared_series()
        prepare_warehouse() >> keys
        results = ingest.expand(series_key=keys)
        announce_changes(results)
        check_all_loaded(keys, results)

    return ingestion()


for _source, _plan in SCHEDULES.items():
    ingestion_dag(_source, _plan.cron, _plan.slots, _plan.what)
