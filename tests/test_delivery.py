"""Delivery of issued reports through a real (in-process) SMTP server and a folder: who gets what, once,
with the file intact; failures logged and retried. Recipients are the catalogue's placeholder addresses
(example.org); the reports come from the bundled SYNTHETIC Taldau samples through the real pipeline.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import config
from etl.catalogue.files import CatalogueError
from etl.delivery.send import DeliveryFailed, load_recipients
from etl.jobs import deliver, issue_forms, issue_national_extract

YEAR = 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def issued(issued_2025):
    return {"forms": issued_2025["forms"]["paths"], "extract": issued_2025["extract"]["path"]}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _deliveries(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT recipient, channel, status, detail FROM sdg.delivery"))]


def test_each_region_gets_its_form_and_the_working_body_the_extract_once(issued, smtp, engine):
    result = deliver(YEAR)
    assert result == {"sent": 22, "already_sent": 0, "failed": [], "not_configured": 0, "withheld": []}
    by_recipient = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert len(smtp.messages) == 21 and len(by_recipient) == 21
    for path in map(Path, issued["forms"]):
        kato = path.name.split("_")[1]
        message = by_recipient[f"rwg-{kato}@example.org"]
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_filename() == path.name and attachment.get_content_type() == XLSX
        assert hashlib.sha256(attachment.get_content()).hexdigest() == _sha(path)
        body = message.get_body(("plain",)).get_content()
        assert _sha(path) in body and "2-қосымша" in body and "версия 1 (черновик)" in message["Subject"]
    extract = Path(issued["extract"])
    attachment, *overview = list(by_recipient["working-body@example.org"].iter_attachments())
    assert attachment.get_filename() == extract.name
    # the overview pages travel with the extract (PDFs too where Chromium prints them: tests/test_overview.py)
    pages = [extract.stem + f"_overview_{language}.html" for language in ("kk", "ru")]
    assert [a.get_filename() for a in overview] == pages
    outbox = config.data_dir() / "outbox" / "working-body"
    assert sorted(p.name for p in outbox.iterdir()) == sorted([extract.name, *pages])
    assert (outbox / extract.name).read_bytes() == extract.read_bytes()
    assert sorted(status for _, _, status, _ in _deliveries(engine)) == ["sent"] * 22

    again = deliver(YEAR)  # nothing twice
    assert again == {"sent": 0, "already_sent": 22, "failed": [], "not_configured": 0, "withheld": []}
    assert len(smtp.messages) == 21 and len(_deliveries(engine)) == 22


def test_a_new_version_goes_out_and_only_it(issued, smtp, engine):
    deliver(YEAR)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sdg.plan_value (indicator_code, kato_code, year, value) "
                "SELECT indicator_code, kato_code, :y, 55.5 FROM sdg.monitored_item "
                "WHERE kato_code = '710000000' LIMIT 1 "
                "ON CONFLICT (indicator_code, kato_code, year) DO UPDATE SET value = 55.5"
            ),
            {"y": YEAR},
        )
    assert issue_forms(YEAR)["new_versions"] == 1
    assert issue_national_extract(YEAR)["version"] == 2
    before = len(smtp.messages)
    assert deliver(YEAR)["sent"] == 3  # Astana's v2 by e-mail, extract v2 by e-mail and to the folder
    fresh = smtp.messages[before:]
    assert sorted(rcpt[0] for rcpt, _ in fresh) == ["rwg-710000000@example.org", "working-body@example.org"]
    assert all("версия 2 (черновик)" in message["Subject"] for _, message in fresh)


def test_a_changed_file_is_never_sent_and_the_run_says_so(issued, smtp, engine):
    form = Path(issued["forms"][0])
    original = form.read_bytes()
    form.write_bytes(original + b"tampered")
    with pytest.raises(DeliveryFailed, match=rf"1 deliveries failed \(21 sent meanwhile\).*{form.name}.*changed since"):
        deliver(YEAR)
    failed = [row for row in _deliveries(engine) if row[2] == "failed"]
    assert len(failed) == 1 and "changed since it was issued" in failed[0][3]
    assert len(smtp.messages) == 20
    form.write_bytes(original)  # put right: the retry sends only what is missing
    assert deliver(YEAR) == {"sent": 1, "already_sent": 21, "failed": [], "not_configured": 0, "withheld": []}


def test_unreachable_server_fails_then_the_retry_delivers(issued, smtp, engine, monkeypatch):
    port = os.environ["SDG_SMTP_PORT"]
    monkeypatch.setenv("SDG_SMTP_PORT", "1")  # nothing listens there
    with pytest.raises(DeliveryFailed, match="21 deliveries failed"):
        deliver(YEAR)
    assert {row[2] for row in _deliveries(engine) if row[1] == "email"} == {"failed"}
    monkeypatch.setenv("SDG_SMTP_PORT", port)
    assert deliver(YEAR)["sent"] == 21 and len(smtp.messages) == 21


def test_without_a_mail_server_only_the_folder_is_served(issued, engine, monkeypatch):
    monkeypatch.delenv("SDG_SMTP_HOST", raising=False)
    assert deliver(YEAR) == {"sent": 1, "already_sent": 0, "failed": [], "not_configured": 21, "withheld": []}
    assert [row[1:3] for row in _deliveries(engine)] == [("folder", "sent")]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("appendix2,710000000,fax,+7 7172 000000,x", "channel", "expected one of email, folder"),
        ("appendix2,710000000,email,a@example.org; b@example.org,x", "address", "not a single e-mail address"),
        ("appendix2,999999999,email,a@example.org,x", "kato_code", "'999999999' is not a KATO code"),
        ("national_extract,,folder,../../etc,x", "address", "a folder may not climb out"),
        ("appendix3,*,email,a@example.org,x", "kind", "expected one of appendix2, national_extract"),
    ],
)
def test_recipient_errors_name_line_and_column(tmp_path, line, column, message):
    folder = tmp_path / "catalogue"
    shutil.copytree(config.CATALOGUE_DIR, folder)
    with (folder / "recipients.csv").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    lines = len((folder / "recipients.csv").read_text(encoding="utf-8").splitlines())
    with pytest.raises(CatalogueError, match=rf"recipients.csv, line {lines}, column '{column}': {message}"):
        load_recipients(folder)
    assert len(load_recipients(config.CATALOGUE_DIR)) == 22
