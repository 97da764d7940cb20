"""The alert for a critical quality failure: dataset, expectation(s), counts and examples, by e-mail.

An alert is queued in the transaction that records what it reports (:func:`notify`) and sent only after that
transaction commits (:func:`send_queued`): a load that rolls back after its gate held a batch must not e-mail
people about a quarantine that does not exist, and a slow mail server must not hold the load's locks.
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection, Engine

from etl.quality.outcome import ExpectationOutcome
from etl.runtime.mail import send_alert


def alert_text(dataset: str, subject_of: str, critical: list[ExpectationOutcome], action: str) -> tuple[str, str]:
    """(subject, body) naming the dataset, each failed expectation, its count and a few examples."""
    subject = f"[SDG quality] {dataset} {subject_of}: {len(critical)} critical check(s) failed"
    lines = [f"Dataset: {dataset}", f"Batch: {subject_of}", f"Action: {action}", ""]
    for o in critical:
        where = f" on column {o.column}" if o.column else ""
        lines.append(f"- {o.expectation_type}{where}: {o.unexpected_count} unexpected ({o.why})")
        for example in o.sample[:5]:
            lines.append(f"    e.g. {json.dumps(example, ensure_ascii=False, default=str)}")
    return subject, "\n".join(lines) + "\n"


def notify(
    conn: Connection, run_id: int | None, dataset: str, subject_of: str, critical: list[ExpectationOutcome], action: str
) -> int:
    """Queue the alert in the caller's transaction; :func:`send_queued` sends it once that has committed."""
    from etl.quality import store

    subject, body = alert_text(dataset, subject_of, critical, action)
    return store.queue_alert(conn, run_id, subject, body)


def send_queued(engine: Engine) -> int:
    """Send every committed, queued alert and record whether it went out; never raises for want of a mail server.

    Each alert is claimed with ``FOR UPDATE SKIP LOCKED`` in its own short transaction, so two workers never send
    the same one; the number sent (or tried) is returned.
    """
    from etl.quality import store

    tried = 0
    while True:
        with engine.begin() as conn:
            queued = store.next_queued_alert(conn)
            if queued is None:
                return tried
            alert_id, subject, body = queued
            result = send_alert(subject, body)
            store.record_sending(conn, alert_id, result.sent, ", ".join(result.recipients), result.detail)
            tried += 1
