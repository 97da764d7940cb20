"""Indicator facts (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetAny, dag, task
from sdg_airflow.task_policy import task_defaults
from sdg_assets import INDICATOR_VALUES, OBSERVATIONS


@dag(
    schedule=AssetAny(*OBSERVATIONS.values()),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,  # unattended: facts follow every ingestion that changed something
    tags=["sdg", "indicators"],
    default_args=task_defaults("facts", retries=2, retry_delay=timedelta(minutes=5)),
)
def sdg_indicator_facts():
    """
    ### Indicator facts

    Recomputes indicator values (the Fact column) whenever the ingestion of any source announces new
    official observations (`sdg_observations_<source>`, emitted only when a load changed something), then the
    series breaks and progress assessments built on them, in one transaction: the warehouse never shows facts
    of half a run. It is live from the first deployment (not paused): no one has to be there for facts to follow
    the nightly ingestion. Trigger it by hand after releasing a quarantined batch or editing a formula
    (`catalogue/formulas.csv`). The task log gives the cells computed per year; a failure is e-mailed to the alert
    recipients.
    """

    @task(outlets=[INDICATOR_VALUES])
    def compute_facts() -> int:
        from etl.jobs import compute_facts

        return compute_facts()

    compute_facts()


sdg_indicator_facts()
