"""Quality runs, per-expectation results, quarantined batches and alerts in the warehouse (migration 0005)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.quality.outcome import ExpectationOutcome, split


@dataclass(frozen=True)
class RunInfo:
    dataset: str
    row_count: int
    decision: str
    source: str | None = None
    series_key: str | None = None
    snapshot_id: int | None = None
    year: int | None = None


def record_run(conn: Connection, info: RunInfo, outcomes: list[ExpectationOutcome]) -> int:
    """One ``quality_run`` row and one ``quality_result`` row per expectation; returns the run id."""
    critical, warnings = split(outcomes)
    run_id = conn.execute(
        text(
            """
            INSERT INTO sdg.quality_run (dataset, suite, source, series_key, snapshot_id, year, row_count, success,
                                         decision, critical_failed, warning_failed)
            VALUES (:dataset, :dataset, :source, :series_key, :snapshot_id, :year, :rows, :success, :decision,
                    :critical, :warnings)
            RETURNING run_id
            """
        ),
        {
            **info.__dict__,
            "rows": info.row_count,
            "success": not critical and not warnings,
            "critical": len(critical),
            "warnings": len(warnings),
        },
    ).scalar_one()
    if outcomes:
        conn.execute(
            text(
                """
                INSERT INTO sdg.quality_result (run_id, position, expectation_type, column_name, severity, why,
                    success, element_count, unexpected_count, unexpected_percent, sample, kwargs)
                VALUES (:run_id, :position, :type, :column, :severity, :why, :success, :elements, :unexpected,
                        :percent, CAST(:sample AS jsonb), CAST(:kwargs AS jsonb))
                """
            ),
            [_result_row(run_id, i, o) for i, o in enumerate(outcomes)],
        )
    return run_id


def _result_row(run_id: int, position: int, o: ExpectationOutcome) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "position": position,
        "type": o.expectation_type,
        "column": o.column,
        "severity": o.severity,
        "why": o.why,
        "success": o.success,
        "elements": o.element_count,
        "unexpected": o.unexpected_count,
        "percent": o.unexpected_percent,
        "sample": json.dumps(o.sample, default=str),
        "kwargs": json.dumps(o.kwargs, default=str),
    }


def reasons(outcomes: list[ExpectationOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "expectation": o.expectation_type,
            "column": o.column,
            "unexpected_count": o.unexpected_count,
            "why": o.why,
            "sample": o.sample[:5],
        }
        for o in outcomes
    ]


def quarantine(
    conn: Connection,
    run_id: int,
    info: RunInfo,
    critical: list[ExpectationOutcome],
    failing_rows: list[dict],
    *,
    held_count: int | None = None,
) -> tuple[int, bool]:
    """Keep the reasons and failing rows; returns (quarantine id, whether it is new).

    ``held_count`` given: only those rows are held (scope ``rows``, the rest was loaded); else the whole batch.
    A re-run of a snapshot still in quarantine refreshes the row instead of adding another one.
    """
    row = conn.execute(
        text(
            """
            INSERT INTO sdg.quarantine (run_id, dataset, source, series_key, snapshot_id, reasons, failing_rows,
                                        row_count, scope, held_count)
            VALUES (:run_id, :dataset, :source, :series_key, :snapshot_id, CAST(:reasons AS jsonb),
                    CAST(:rows AS jsonb), :row_count, :scope, :held_count)
            ON CONFLICT (snapshot_id, dataset) DO UPDATE
            SET run_id = EXCLUDED.run_id, reasons = EXCLUDED.reasons, failing_rows = EXCLUDED.failing_rows,
                row_count = EXCLUDED.row_count, scope = EXCLUDED.scope, held_count = EXCLUDED.held_count
            RETURNING quarantine_id, (xmax = 0) AS inserted
            """
        ),
        {
            "run_id": run_id,
            "dataset": info.dataset,
            "source": info.source,
            "series_key": info.series_key,
            "snapshot_id": info.snapshot_id,
            "reasons": json.dumps(reasons(critical), default=str),
            "rows": json.dumps(failing_rows, default=str),
            "row_count": info.row_count,
            "scope": "batch" if held_count is None else "rows",
            "held_count": info.row_count if held_count is None else held_count,
        },
    ).one()
    return int(row.quarantine_id), bool(row.inserted)


def released_quarantine(conn: Connection, snapshot_id: int, dataset: str) -> int | None:
    """The id of this snapshot's released quarantine, if a person released it."""
    return conn.execute(
        text(
            "SELECT quarantine_id FROM sdg.quarantine WHERE snapshot_id = :s AND dataset = :d AND status = 'released'"
        ),
        {"s": snapshot_id, "d": dataset},
    ).scalar_one_or_none()


def mark_loaded(conn: Connection, quarantine_id: int, run_id: int) -> None:
    conn.execute(
        text("UPDATE sdg.quarantine SET loaded_run_id = :r WHERE quarantine_id = :q"),
        {"r": run_id, "q": quarantine_id},
    )


def queue_alert(conn: Connection, run_id: int | None, subject: str, body: str) -> int:
    """Record an alert to send once the caller's transaction commits (``sent`` NULL until then)."""
    return conn.execute(
        text(
            "INSERT INTO sdg.quality_alert (run_id, subject, body, sent) VALUES (:run_id, :subject, :body, NULL) "
            "RETURNING alert_id"
        ),
        {"run_id": run_id, "subject": subject, "body": body},
    ).scalar_one()


def next_queued_alert(conn: Connection) -> tuple[int, str, str] | None:
    """The oldest committed alert not sent yet, locked for this transaction (others skip it)."""
    row = conn.execute(
        text(
            "SELECT alert_id, subject, body FROM sdg.quality_alert WHERE sent IS NULL "
            "ORDER BY alert_id LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
    ).one_or_none()
    return None if row is None else (row.alert_id, row.subject, row.body or "")


def record_sending(conn: Connection, alert_id: int, sent: bool, recipients: str, detail: str) -> None:
    conn.execute(
        text(
            "UPDATE sdg.quality_alert SET sent = :sent, recipients = :recipients, detail = :detail, sent_at = now() "
            "WHERE alert_id = :id"
        ),
        {"id": alert_id, "sent": sent, "recipients": recipients, "detail": detail},
    )


def prune_results(conn: Connection, days: int) -> int:
    """Delete per-expectation results older than ``days`` (their run rows stay, with the counts), except
    those of a quarantine still waiting for a person: the evidence of an open case is never pruned."""
    return conn.execute(
        text(
            """
            DELETE FROM sdg.quality_result AS r
            WHERE r.run_at < now() - make_interval(days => :days)
              AND NOT EXISTS (SELECT 1 FROM sdg.quarantine AS z WHERE z.run_id = r.run_id AND z.status = 'quarantined')
            """
        ),
        {"days": days},
    ).rowcount
