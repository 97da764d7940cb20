"""Deadline watchdog for the annual reports (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from sdg_airflow.task_policy import task_defaults


@dag(
    schedule="0 9 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,  # unattended: a paused watchdog would let a deadline pass in silence
    tags=["sdg", "reporting", "deadlines"],
    params={"year": Param(None, type=["null", "integer"], description="Reporting year; empty = the one due next")},
    default_args=task_defaults("watchdog", retries=0, retry_delay=timedelta(minutes=5)),
)
def sdg_deadline_watchdog():
    """
    ### Deadline watchdog (order No. 236: regional forms by 15 January, national extract by 1 February)

    Every morning: is each report's newest version final, still what the warehouse says (a final the data
    has moved past is stale until its amended version is issued), with Facts, and delivered to every recipient of
    `catalogue/recipients.csv`? From 7 days before a deadline, anything not ready is e-mailed to the alert
    recipients (`smtp_default`, `SDG_ALERT_RECIPIENTS`); after a deadline the run fails as well, so the miss
    is red in the UI until it is put right. Quiet the rest of the year.
    """

    @task(multiple_outputs=False)
    def check_deadlines(params: dict | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from etl.jobs import DeadlineMissed, check_deadlines

        try:
            return check_deadlines((params or {}).get("year"))
        except DeadlineMissed as exc:  # a retry cannot help: people must act
            raise AirflowFailException(str(exc)) from exc

    check_deadlines()


sdg_deadline_watchdog()
