"""Nightly ingestion, one DAG per source (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from sdg_airflow.task_policy import task_defaults
from sdg_assets import OBSERVATIONS

from etl.sources.registry import SOURCES, SourceSpec


def ingestion_dag(spec: SourceSpec):
    source, slots = spec.name, spec.slots

    @dag(
        dag_id=f"sdg_ingest_{source}",
        schedule=spec.cron,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=False,  # unattended: nightly from the first deployment
        tags=["sdg", "ingestion", source],
        doc_md=f"""
### Nightly ingestion: {source}

Fetches every series declared in `catalogue/series/{source}.csv` from {spec.what}: mapped tasks of up to 50 series
each (at least {slots}, one per slot of pool `{spec.pool}`, on Celery queue `{spec.queue}`), each
answer kept raw as a snapshot, the chunk's answers checked together with Great Expectations (failing rows are
held in quarantine and the alert e-mailed; the rest loads) and each series loaded with its revision history in
its own transaction. A chunk task is retried only when a series failed transiently (server down, deadline),
and the retry repeats only what did not load; a deterministic failure (4xx, wrong shape, bad value) is never
retried. Emits `sdg_observations_{source}` only when something changed; `check_all_loaded` fails at the end,
after the others have loaded, naming every series that failed or was held whole. A task that fails for good is
e-mailed to the alert recipients; its Logs tab lists each series' snapshots, rows loaded and quarantined rows.
""",
        # a chunk starts new series for 18 minutes (etl.jobs.INGEST_TASK_BUDGET); the task's 30-minute limit
        # covers the series in progress (its own 300 s deadline) and the end; only transient failures retry
        default_args=task_defaults(
            "ingest",
            retries=2,
            retry_delay=timedelta(minutes=2),
            retry_exponential_backoff=2.0,
            max_retry_delay=timedelta(minutes=10),
        ),
    )
    def ingestion():
        @task(multiple_outputs=False)
        def prepare_warehouse() -> dict:
            from etl.jobs import prepare_warehouse

            return prepare_warehouse()

        @task
        def declared_series() -> list[list[str]]:
            from etl.jobs import series_chunks

            return series_chunks(source, slots)

        # on the source's own Celery queue: a slow source occupies its workers only, never the others'
        @task(pool=spec.pool, queue=spec.queue, max_active_tis_per_dag=slots)
        def ingest(series_keys: list[str]) -> list[dict]:
            from airflow.sdk import get_current_context

            from etl.jobs import ingest_chunk

            ti = get_current_context()["ti"]
            return ingest_chunk(list(series_keys), last_try=ti.try_number > ti.max_tries)

        # the two closing tasks judge what happened; a retry cannot change it, so they never retry
        @task(outlets=[OBSERVATIONS[source]], trigger_rule="all_done", retries=0)
        def announce_changes(results: list[list[dict]]) -> int:
            from airflow.sdk import get_current_context
            from airflow.sdk.exceptions import AirflowSkipException

            from etl.jobs import changed_series, changed_series_since

            started = get_current_context()["dag_run"].start_date
            flat = [r for chunk in results if chunk for r in chunk]
            changed = changed_series_since(source, started) if started else changed_series(flat)
            if not changed:
                raise AirflowSkipException("no series changed: no asset event, no recomputation")
            return changed

        @task(trigger_rule="all_done", retries=0)
        def check_all_loaded(chunks: list[list[str]], results: list[list[dict]]) -> None:
            from etl.jobs import check_all_ingested

            check_all_ingested([k for chunk in chunks for k in chunk], [r for part in results if part for r in part])

        # A TaskFlow call takes upstream XComArgs for its arguments (resolved when the task runs), but Airflow
        # types the call with the function's own parameters: the ignores are for that, not for a wrong value.
        keys = declared_series()
        prepare_warehouse() >> keys
        results = ingest.expand(series_keys=keys)
        announce_changes(results)  # type: ignore[arg-type]
        check_all_loaded(keys, results)  # type: ignore[arg-type]

    return ingestion()


# one DAG per row of the table of sources: a new row is a new DAG
for _spec in SOURCES.values():
    ingestion_dag(_spec)
