"""Alert e-mails reach a real (in-process) SMTP server with dataset, expectation, count and examples."""

from __future__ import annotations

import logging
import socket

from sqlalchemy import text

from etl.runtime.mail import send_alert


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_alert_arrives(smtp):
    result = send_alert("[SDG quality] test", "Dataset: observations\n")
    assert result.sent
    ((rcpt, message),) = smtp.messages
    assert rcpt == ["data-team@example.kz", "akimat@example.kz"]
    assert message["Subject"] == "[SDG quality] test" and message["From"] == "sdg@example.kz"


def test_no_smtp_host_is_a_warning_not_a_crash(monkeypatch, caplog):
    monkeypatch.delenv("SDG_SMTP_HOST", raising=False)
    with caplog.at_level(logging.WARNING):
        result = send_alert("subject", "body")
    assert not result.sent and "SDG_SMTP_HOST" in result.detail
    assert "not sent" in caplog.text


def test_unreachable_server_never_logs_the_password(monkeypatch, caplog):
    monkeypatch.setenv("SDG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SDG_SMTP_PORT", str(_free_port()))  # nothing listens
    monkeypatch.setenv("SDG_SMTP_USER", "bot")
    monkeypatch.setenv("SDG_SMTP_PASSWORD", "s3cret-Pa55")
    monkeypatch.setenv("SDG_ALERT_RECIPIENTS", "a@example.kz")
    with caplog.at_level(logging.DEBUG):
        result = send_alert("subject", "body")
    assert not result.sent
    assert "s3cret-Pa55" not in caplog.text and "s3cret-Pa55" not in result.detail


def test_quarantine_sends_the_alert_with_dataset_expectation_count_and_examples(smtp, engine):
    """End to end: a critically bad synthetic row through the gate e-mails the people responsible, naming it."""
    from test_quality_gate import gate_then_load, obs  # tests/ is on sys.path (pytest rootdir import)

    with engine.connect() as conn:
        series = conn.execute(text(SERIES)).one()
    decision, snap = gate_then_load(
        engine, tuple(series), [obs("510000000", 2020, "9"), obs("110000000", 2020, "8")], 7
    )  # South Kazakhstan in 2020, after its abolition: that row is held, Akmola's loads
    assert decision.load and decision.held_row_ids == (0,)
    ((_, message),) = smtp.messages
    body = message.get_content()
    assert message["Subject"].startswith("[SDG quality] observations")
    assert f"snapshot {snap}" in body and "Dataset: observations" in body
    assert "expect_column_values_to_be_in_set on column region_valid_for_period: 1 unexpected" in body
    assert '"kato_code": "510000000"' in body and "2020-01-01" in body
    assert f"1 of 2 rows held back in sdg.quarantine #{decision.quarantine_id}" in body
    assert "the other 1 rows loaded" in body
    with engine.connect() as conn:
        sent = conn.execute(text("SELECT sent, recipients FROM sdg.quality_alert")).one()
    assert sent == (True, "data-team@example.kz, akimat@example.kz")


SERIES = (
    "SELECT s.series_key, s.series_id FROM sdg.series s JOIN sdg.indicator_series m USING (series_key) "
    "WHERE s.source = 'taldau' ORDER BY 1 LIMIT 1"
)


def test_an_alert_goes_out_only_after_its_transaction_commits_and_once(smtp, engine):
    """Queued inside the recording transaction: nothing is sent while it is open, nothing ever if it rolls back,
    exactly one e-mail once it commits, and sending again finds nothing left to send."""
    from etl.quality.notify import notify, send_queued
    from etl.quality.outcome import ExpectationOutcome

    failed = [
        ExpectationOutcome(
            "observations", "expect_column_values_to_be_between", "value", "critical", "above 100", False, 10, 3
        )
    ]
    with engine.connect() as conn:
        with conn.begin() as transaction:
            notify(conn, None, "observations", "rolled back (snapshot 1)", failed, "nothing")
            assert send_queued(engine) == 0  # another connection cannot see (or claim) the uncommitted alert
            transaction.rollback()
    assert send_queued(engine) == 0 and smtp.messages == []
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM sdg.quality_alert")).scalar_one() == 0
        alert_id = notify(conn, None, "observations", "committed (snapshot 2)", failed, "held")
        assert smtp.messages == []
    assert send_queued(engine) == 1 and send_queued(engine) == 0
    ((_, message),) = smtp.messages
    assert "committed (snapshot 2)" in message["Subject"] and "above 100" in message.get_content()
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT sent, recipients, sent_at IS NOT NULL AS stamped FROM sdg.quality_alert WHERE alert_id = :a"),
            {"a": alert_id},
        ).one()
    assert tuple(row) == (True, "data-team@example.kz, akimat@example.kz", True)
