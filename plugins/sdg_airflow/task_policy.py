"""The same time and retry rules for every task of every SDG DAG: a time limit, retries only for what a
retry can cure, and SIGTERM as a clean stop.

- ``execution_timeout`` on every task (per DAG, :data:`TIMEOUTS`): a task that hangs anywhere (not only in
  HTTP, which has its own deadlines) fails instead of holding a worker slot for ever.
- :class:`TransientOnly` is the retry policy: a failure that ``etl.runtime.failures.is_transient`` calls
  deterministic (a 4xx, a wrong shape, a parse error, a bad value) fails at once; the rest get the retries.
- SIGTERM (a worker shutting down, ``kill`` of ``airflow dags test``): the running task unwinds (its
  transaction rolls back), reports its state, and the process then stops. Without this, the task runner's
  own SIGTERM handler only calls ``on_kill`` and carries on, so ``airflow dags test`` could not be stopped.
- A task that fails for good (its retries spent, or a failure no retry can cure) is e-mailed to the alert
  recipients (:func:`notify_failure`, the same SMTP settings as the quarantine alerts), so an unattended
  night that went wrong is not found only when someone opens the UI.
"""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from typing import Any

from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from sdg_airflow.connections import apply_connections

log = logging.getLogger(__name__)

#: who answers for the SDG DAGs (the Owner column of the UI)
OWNER = "sdg-data"
#: loggers whose INFO only buries what the task did: GX logs one line per public function it registers at import
#: (Airflow's ``[logging] namespace_levels`` reaches structlog loggers only, not these stdlib ones)
QUIET_LOGGERS = ("great_expectations._docs_decorators",)

#: execution_timeout per kind of DAG. Ingest: a chunk of series (new ones started for 18 minutes, the last within
#: its 300 s series deadline, then gate and load); facts and reports: the whole warehouse; the watchdog: one query.
TIMEOUTS = {
    "ingest": timedelta(minutes=30),
    "facts": timedelta(minutes=30),
    "reporting": timedelta(minutes=45),
    "watchdog": timedelta(minutes=10),
}


class TransientOnly(RetryPolicy):
    """Retry only failures that ``etl.runtime.failures.is_transient`` says a later try may cure."""

    def evaluate(self, exception: BaseException, try_number: int, max_tries: int, context: Any = None):
        from etl.runtime.failures import is_transient

        if is_transient(exception):
            return RetryDecision.default()
        return RetryDecision.fail(f"{type(exception).__name__} is deterministic: a retry would fail the same way")


class _Stopping:
    """Whether SIGTERM arrived, and whether a task is running (then it unwinds first, the process after)."""

    requested = False
    task_running = False


def _sigterm_noted() -> None:
    _Stopping.requested = True
    if not _Stopping.task_running:  # between tasks (the `dags test` loop): nothing to unwind, stop now
        print("stopped by SIGTERM between tasks", file=sys.stderr)
        raise SystemExit(143)


def on_task_start(context: Any = None) -> None:
    """``on_execute_callback``: SIGTERM now raises ``etl.runtime.termination.Terminated`` in the task; noisy loggers
    are turned down so that the task log shows the task's own lines."""
    from etl.runtime import termination

    _Stopping.task_running = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    termination.raise_on_sigterm(before=_sigterm_noted)  # replaces the runner's, which only calls on_kill


def on_task_end(context: Any = None) -> None:
    """``on_success/failure/retry/skipped_callback``: after a SIGTERM, stop the process once the state is sent."""
    _Stopping.task_running = False
    if _Stopping.requested:
        ti = (context or {}).get("ti")
        print(
            f"stopped by SIGTERM during {getattr(ti, 'task_id', 'a task')}: its work was rolled back", file=sys.stderr
        )
        raise SystemExit(143)


def notify_failure(context: Any = None) -> None:
    """``on_failure_callback``: e-mail the alert recipients (``SDG_ALERT_RECIPIENTS`` or the ``recipients`` extra
    of ``smtp_default``) which task failed, why, and where its log is; a mail problem is logged, never raised."""
    from etl.runtime.mail import send_alert

    context = context or {}
    ti = context.get("ti")
    dag_id, task_id = getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?")
    if getattr(ti, "map_index", -1) not in (-1, None):
        task_id = f"{task_id}[{ti.map_index}]"
    error = context.get("exception")
    body = [
        f"DAG: {dag_id}",
        f"Task: {task_id}",
        f"Run: {getattr(ti, 'run_id', '?')} (try {getattr(ti, 'try_number', '?')})",
        f"Error: {type(error).__name__}: {error}" if error is not None else "Error: see the task log",
    ]
    try:
        body.append(f"Log: {ti.log_url}")
    except Exception:  # noqa: BLE001 - no api-server base URL configured: the e-mail still goes
        body.append("Log: the task's Logs tab in the Airflow UI")
    try:  # never in the way of the callbacks after this one (on_task_end ends a SIGTERMed process)
        result = send_alert(f"[SDG pipeline] {dag_id}.{task_id} failed", "\n".join(body) + "\n")
    except Exception:  # noqa: BLE001 - e.g. a malformed SDG_SMTP_PORT: logged, the task's own failure stands
        log.exception("failure alert for %s.%s could not be sent", dag_id, task_id)
        return
    log.info("failure alert for %s.%s: %s (%s)", dag_id, task_id, "sent" if result.sent else "not sent", result.detail)


def task_defaults(kind: str, retries: int, retry_delay: timedelta, **extra: Any) -> dict[str, Any]:
    """``default_args`` for a DAG of ``kind`` (a key of :data:`TIMEOUTS`)."""
    return {
        "owner": OWNER,
        "execution_timeout": TIMEOUTS[kind],
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_policy": TransientOnly(),
        "pre_execute": apply_connections,  # an error here fails the task; an on_execute_callback's is only logged
        "on_execute_callback": [on_task_start],
        "on_success_callback": [on_task_end],
        "on_failure_callback": [notify_failure, on_task_end],  # on_task_end last: it may end the process
        "on_retry_callback": [on_task_end],
        "on_skipped_callback": [on_task_end],
        **extra,
    }
