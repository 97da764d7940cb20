"""Annual SDG monitoring report (order No. 236, Appendix 2) (DAG wiring only; the work is in ``etl``)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from sdg_airflow.task_policy import task_defaults


@dag(
    schedule="0 6 5 1 *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Almaty"),
    catchup=False,
    max_active_runs=1,
    # unattended: the 5 January run issues the drafts the regions need before the 15 January deadline, and
    # issues only drafts (a final is always asked for by hand), so it is live from the first deployment
    is_paused_upon_creation=False,
    tags=["sdg", "reporting"],
    params={
        "year": Param(
            None, type=["null", "integer"], description="Reporting year; empty = the year before the run's logical date"
        ),
        "status": Param(
            "draft",
            enum=["draft", "final", "amended"],
            description="Version status of issued forms; once a form is final, a changed one is always amended",
        ),
    },
    default_args=task_defaults("reporting", retries=2, retry_delay=timedelta(minutes=5)),
)
def sdg_annual_reporting():
    """
    ### Annual SDG monitoring report (order No. 236, Appendix 2)

    Fills the Fact column from the warehouse and issues one Appendix 2 form per region for the reporting
    year, once the facts pass the `indicator_values` quality suite (`expectations/`; a critical failure
    stops the forms), then the national extract that consolidates them, and delivers the newest versions
    to the recipients of `catalogue/recipients.csv` (each once; every attempt is logged in `sdg.delivery`).
    Runs on 5 January so drafts reach the regional working groups before the 15 January
    deadline; trigger it by hand with `{"year": 2025, "status": "final"}` to issue a final version. Without a
    `year` param a run reports the year before its logical date (a catch-up run of January 2026 reports 2025,
    whenever it runs); a manual run without a logical date reports the year being reported today. Once a
    report is final, a revision makes the next run issue an amended version (its changed cells listed) and
    deliver it to everyone who had the final; forms without a single Fact are neither issued nor delivered.
    """

    @task(retries=0)  # a bad year param stays bad
    def reporting_year(params: dict | None = None, logical_date=None) -> int:
        from etl.jobs import resolve_reporting_year

        year = resolve_reporting_year((params or {}).get("year"), logical_date)
        print(f"reporting year {year} (logical date {logical_date})")
        return year

    @task(multiple_outputs=False)
    def prepare_warehouse() -> dict:
        from etl.jobs import prepare_warehouse

        return prepare_warehouse()

    @task
    def compute_facts(year: int) -> int:
        from etl.jobs import compute_facts

        return compute_facts(year)

    @task(retries=0, multiple_outputs=False)  # the same facts fail the same way: a person must look, not a retry
    def check_facts(year: int) -> dict:
        """Quality gate: a critical failure (negative, >100 %, unknown region...) stops the forms."""
        from etl.jobs import check_facts

        result = check_facts(year)
        print(f"facts {year}: {result['warnings']} warning(s), {result['empty_cells']} empty cells")
        return result

    @task(multiple_outputs=False)
    def issue_forms(year: int, params: dict | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from etl.jobs import issue_forms
        from etl.reports.issuing import EmptyReport

        try:
            result = issue_forms(year, (params or {}).get("status", "draft"))
        except EmptyReport as exc:  # no Fact for the year: a retry cannot fill one, and nothing may go out
            raise AirflowFailException(str(exc)) from exc
        filled = f"Fact filled in {result['facts']} of {result['indicator_rows']} indicator rows"
        print(f"{result['forms']} Appendix 2 forms for {year} in {result['folder']}: {filled}; none: {result['empty']}")
        return {k: v for k, v in result.items() if k != "paths"}

    @task(multiple_outputs=False)
    def issue_appendix1(year: int) -> dict:
        """Each region's list of indicators (Appendix 1), re-issued only where the catalogue changed it."""
        from etl.jobs import issue_appendix1

        return issue_appendix1(year)

    @task(multiple_outputs=False)
    def issue_national_extract(year: int, params: dict | None = None) -> dict:
        """Every region's indicators in one workbook for the working body; a final one needs final forms."""
        from etl.jobs import issue_national_extract

        result = issue_national_extract(year, (params or {}).get("status", "draft"))
        print(f"national extract {year} v{result['version']}: {result['path']}")
        return result

    @task(multiple_outputs=False)
    def deliver(year: int) -> dict:
        """Newest forms to each region's working group, the extract to the working body; each once."""
        from etl.jobs import deliver

        result = deliver(year)
        print(f"deliveries for {year}: {result}")
        return result

    # A TaskFlow call takes an upstream task's XComArg for an argument (resolved when the task runs), but Airflow
    # types the call with the function's own parameters: the ignores below are for that, not for a wrong value.
    year = reporting_year()
    facts = compute_facts(year)  # type: ignore[arg-type]
    prepare_warehouse() >> [facts, issue_appendix1(year)]  # type: ignore[arg-type]
    facts >> check_facts(year) >> issue_forms(year) >> issue_national_extract(year) >> deliver(year)  # type: ignore[arg-type]


sdg_annual_reporting()
