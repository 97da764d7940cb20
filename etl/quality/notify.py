"""The alert for a critical quality failure: dataset, expectation(s), counts and examples, by e-mail."""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

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
) -> bool:
    """Send the alert and record whether it went out; never raises for want of a mail server."""
    from etl.quality import store

    subject, body = alert_text(dataset, subject_of, critical, action)
    result = send_alert(subject, body)
    store.record_alert(conn, run_id, subject, result.sent, ", ".join(result.recipients), result.detail)
    return result.sent
