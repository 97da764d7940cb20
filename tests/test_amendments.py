"""Amendments end to end: final forms and extract issued and delivered (real in-process SMTP), an observation
revised in the warehouse as the loader does it (a new snapshot, a new vintage), the finals flagged stale by
``sdg report list`` and the watchdog, the next run issuing amended versions whose changed cells are read back
from the XLSX cell by cell, delivery of the amendments only to the earlier recipients with a cover note, and no
draft ever sent to a holder of a final.

The revised answer is SYNTHETIC: a copy of the bundled Taldau sample with Astana's 2025 value of indicator 1.2.1
changed to 4.25 (the same revision as tests/test_facts_and_forms.py); recipients are the catalogue's placeholders.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from etl import config
from etl.cli import main
from etl.delivery.deadlines import readiness
from etl.delivery.send import load_recipients
from etl.jobs import compute_facts, deliver, ingest, issue_forms, issue_national_extract, series_keys
from etl.reports.amendments_xlsx import HEADER_ROW, HEADERS, SHEET
from etl.reports.appendix2 import build_appendix2_forms, content_hash
from etl.reports.appendix2_xlsx import read_appendix2, write_appendix2
from etl.reports.issuing import record_report
from etl.reports.print_layout import DocumentInfo
from etl.sources.replay import ReplayServer

YEAR = 2025
ASTANA = "710000000"
SAMPLE = Path("GetIndexData") / "704460-p7-d67.json"  # indicator 1.2.1, every region, 2025


def _revise_astana(tmp_path: Path, value: str = "4,25") -> None:
    """Serve a copy of the samples with Astana's 2025 value of 1.2.1 changed, ingest it, recompute the facts."""
    root = tmp_path / "served"
    shutil.copytree(config.SAMPLES_DIR / "taldau", root / "taldau")
    target = root / "taldau" / SAMPLE
    rows = json.loads(target.read_text(encoding="utf-8-sig"))
    with (config.CATALOGUE_DIR / "regions.csv").open(encoding="utf-8-sig", newline="") as handle:
        term = int(next(r["taldau_term_id"] for r in csv.DictReader(handle) if r["kato_code"] == ASTANA))
    period = next(p for r in rows if r["terms"] == [term] for p in r["periods"] if p["date"] == f"31.12.{YEAR}")
    assert period["value"] != value
    period["value"] = value
    target.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    with ReplayServer(root) as server:
        results = [ingest("taldau", key, base_url=server.url_for("taldau")) for key in series_keys("taldau")]
    assert [r["status"] for r in results].count("loaded") == 1
    compute_facts(YEAR)


def _reports(engine, kind: str, kato: str | None) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT report_id, version, status, path, amends_report_id, facts_filled FROM sdg.report "
                "WHERE kind = :kind AND kato_code IS NOT DISTINCT FROM :k AND year = :y ORDER BY version"
            ),
            {"kind": kind, "k": kato, "y": YEAR},
        ).all()


def _changes_sheet(path: Path, language: str) -> list[dict]:
    """The rows of «Изменения» / «Өзгерістер», read cell by cell under the header row."""
    ws = openpyxl.load_workbook(path)[SHEET[language]]
    headers = tuple(ws.cell(row=HEADER_ROW, column=c).value for c in range(1, len(HEADERS[language]) + 1))
    assert headers == HEADERS[language]
    rows = []
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        values = [ws.cell(row=r, column=c).value for c in range(1, len(headers) + 1)]
        if any(v is not None for v in values):
            rows.append(dict(zip(headers, values, strict=True)))
    return rows


def _observation(engine, kato: str, code: str) -> tuple[int, int]:
    """(observation id, snapshot id) behind a Fact now."""
    with engine.connect() as conn:
        ids = conn.execute(
            text(
                "SELECT observation_ids, snapshot_ids FROM sdg.indicator_value WHERE kato_code = :k "
                "AND indicator_code = :c AND year = :y"
            ),
            {"k": kato, "c": code, "y": YEAR},
        ).one()
    return ids.observation_ids[0], ids.snapshot_ids[0]


def test_a_revision_after_the_final_reaches_every_earlier_recipient_as_an_amendment(
    facts, smtp, engine, tmp_path, capsys
):
    # final forms and extract, delivered
    assert issue_forms(YEAR, "final")["forms"] == 20
    assert issue_national_extract(YEAR, "final")["status"] == "final"
    assert deliver(YEAR)["sent"] == 22 and len(smtp.messages) == 21
    assert main(["report", "list", "--year", str(YEAR)]) == 0
    assert "STALE" not in capsys.readouterr().out
    old_obs, old_snap = _observation(engine, ASTANA, "1.2.1")

    # the statistics office revises Astana's 1.2.1: a new snapshot, a new vintage of the observation
    _revise_astana(tmp_path)
    new_obs, new_snap = _observation(engine, ASTANA, "1.2.1")
    assert (new_obs, new_snap) != (old_obs, old_snap)

    # report list and the watchdog flag the finals that no longer match the warehouse
    assert main(["report", "list", "--year", str(YEAR)]) == 0
    out = capsys.readouterr().out
    astana_line = next(line for line in out.splitlines() if "v1" in line and "Астана" in line)
    assert "STALE" in astana_line and out.count("STALE") == 3  # Astana's row, the summary line, the extract
    assert "national extract: v1 final" in out and "no longer matches the warehouse" in out
    with engine.connect() as conn:
        checks = readiness(conn, YEAR, date(2026, 1, 10), load_recipients())
    gaps = {(g.kind, g.kato_code): g.problem for c in checks for g in c.gaps}
    assert set(gaps) == {("appendix2", ASTANA), ("national_extract", None)}
    assert all("устарела" in problem for problem in gaps.values())
    # nothing stale is sent meanwhile
    withheld = deliver(YEAR)["withheld"]
    assert len(withheld) == 2 and all("no longer matches the warehouse" in w for w in withheld)
    assert len(smtp.messages) == 21

    # the next (scheduled, draft) run issues amended versions, never drafts
    run = issue_forms(YEAR)
    assert (run["new_versions"], run["amended"]) == (1, 1)
    extract = issue_national_extract(YEAR)
    assert (extract["version"], extract["status"], extract["new"]) == (2, "amended", True)
    v1, v2 = _reports(engine, "appendix2", ASTANA)
    assert (v2.version, v2.status, v2.amends_report_id) == (2, "amended", v1.report_id)
    assert read_appendix2(Path(v2.path))["status"] == "amended"

    # the changed cells, read back from the workbook cell by cell, in Russian and Kazakh
    ru, kk = _changes_sheet(Path(v2.path), "ru"), _changes_sheet(Path(v2.path), "kk")
    fact_ru = next(r for r in ru if r["Графа"] == "Факт")
    assert fact_ru["Регион (КАТО)"] == ASTANA and fact_ru["Стало"] == "4,3"  # 4.25 at the indicator's 1 decimal
    assert fact_ru["Было"] not in ("4,3", "—")
    assert f"наблюдение № {new_obs} (снимок № {new_snap}" in fact_ru["Причина изменения"]
    assert f"заменило № {old_obs} (снимок № {old_snap})" in fact_ru["Причина изменения"]
    fact_kk = next(r for r in kk if r["Баған"] == "Факт")
    assert (fact_kk["Бұрынғы мәні"], fact_kk["Жаңа мәні"]) == (fact_ru["Было"], "4,3")
    assert f"№ {new_obs} бақылау (№ {new_snap} көшірме" in fact_kk["Өзгеріс себебі"]
    assert len(ru) == len(kk) and {r["Графа"] for r in ru} <= {"Факт", "Пояснения при необходимости"}
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT column_name, indicator_code, old_ru, new_ru, new_observation_ids FROM sdg.report_change "
                "WHERE report_id = :r ORDER BY position"
            ),
            {"r": v2.report_id},
        ).all()
    assert [(s.column_name, s.old_ru, s.new_ru) for s in stored] == [
        ("fact" if r["Графа"] == "Факт" else "note", r["Было"].replace("—", ""), r["Стало"].replace("—", ""))
        for r in ru
    ]
    assert next(s for s in stored if s.column_name == "fact").new_observation_ids == [new_obs]
    extract_rows = _changes_sheet(Path(extract["path"]), "ru")
    assert any(r["Регион (КАТО)"] == ASTANA and r["Графа"] == "Факт" and r["Стало"] == "4,3" for r in extract_rows)

    # idempotent: nothing changed, nothing issued
    again = issue_forms(YEAR, "final")
    assert again["new_versions"] == 0 and again["amended"] == 0
    assert issue_national_extract(YEAR)["new"] is False

    # the amendments go to the earlier recipients only, with the cover note
    before = len(smtp.messages)
    result = deliver(YEAR)
    # Astana v2 and extract v2 (2 e-mails, the folder); the 19 other forms went out before
    assert (result["sent"], result["already_sent"], result["withheld"]) == (3, 19, [])
    fresh = {rcpt[0]: message for rcpt, message in smtp.messages[before:]}
    assert sorted(fresh) == [f"rwg-{ASTANA}@example.org", "working-body@example.org"]
    for message in fresh.values():
        assert "версия 2 (с изменениями)" in message["Subject"]
        body = message.get_body(("plain",)).get_content()
        assert "Сопроводительное письмо" in body and "заменяет версию 1" in body and "Ілеспе хат" in body
        assert f"{fact_ru['Было']} → 4,3" in body and f"снимок № {new_snap}" in body
        attachment, *overview = list(message.iter_attachments())  # the extract's overview pages travel with it
        assert attachment.get_filename().endswith("_v2.xlsx")
        assert [a.get_filename() for a in overview] in (
            [],
            [
                attachment.get_filename()[:-5] + "_overview_kk.html",
                attachment.get_filename()[:-5] + "_overview_ru.html",
            ],
        )
    form_mail = fresh[f"rwg-{ASTANA}@example.org"]
    (attachment,) = list(form_mail.iter_attachments())
    assert attachment.get_content() == Path(v2.path).read_bytes()
    assert deliver(YEAR)["sent"] == 0 and len(smtp.messages) == before + 2

    # a draft (say, left by an older release) never reaches a holder of the final
    with engine.begin() as conn:
        forms = build_appendix2_forms(conn, ASTANA, YEAR, "draft")
        digest = content_hash(forms)
        path = Path(v2.path).with_name(f"appendix2_{ASTANA}_{YEAR}_v3.xlsx")
        write_appendix2(forms, path, DocumentInfo("draft", 3, date.today(), digest))
        record_report(conn, "appendix2", ASTANA, YEAR, 3, "draft", path, digest, facts_filled=1)
    result = deliver(YEAR)
    assert result["sent"] == 0 and any("a draft after a final" in w for w in result["withheld"])
    assert len(smtp.messages) == before + 2


def test_an_amendment_needs_a_final_and_a_draft_run_after_the_final_issues_nothing(facts, engine):
    from etl.reports.amendments import NothingToAmend

    with pytest.raises(NothingToAmend, match=f"appendix2 {ASTANA} {YEAR} has no final version to amend"):
        issue_forms(YEAR, "amended", regions=[ASTANA])
    assert _reports(engine, "appendix2", ASTANA) == []
    assert issue_forms(YEAR, "final", regions=[ASTANA])["new_versions"] == 1
    for status in ("draft", "final", "amended"):  # unchanged content: the final stays the newest version
        assert issue_forms(YEAR, status, regions=[ASTANA])["new_versions"] == 0
    assert [(r.version, r.status, r.facts_filled) for r in _reports(engine, "appendix2", ASTANA)] == [
        (1, "final", _reports(engine, "appendix2", ASTANA)[0].facts_filled)
    ]
    assert _reports(engine, "appendix2", ASTANA)[0].facts_filled > 0
