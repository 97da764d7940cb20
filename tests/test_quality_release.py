"""``sdg quality release``: the release and the load of the released rows are reported as one outcome.

A release whose re-ingest fails (or fetches a different answer) stays released — the person's decision is
kept — but the command exits non-zero and says the rows are not loaded yet; running it again retries the load.
The Taldau answers are SYNTHETIC copies of the bundled samples with one share set to 150 %.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import cli, config
from etl.jobs import ReleaseNotLoaded, ingest, quarantined, release
from etl.sources.replay import Faults, ReplayServer

KEY = "taldau:704460:p7"
FILE = "704460-p7-d67.json"
HELD_VALUE = "SELECT count(*) FROM sdg.observation WHERE value = 150"


def _served_copy(tmp_path: Path) -> Path:
    """The samples with one available share set to 150 % (1.2.1 is a share: the gate holds that row)."""
    root = tmp_path / "served"
    shutil.copytree(config.SAMPLES_DIR / "taldau", root / "taldau")
    target = root / "taldau" / "GetIndexData" / FILE
    rows = json.loads(target.read_text(encoding="utf-8-sig"))
    period = next(p for r in rows for p in r["periods"] if p["value"].strip() not in ("", "-", "x", "х"))
    period["value"] = "150,0"
    target.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    return root


def _quarantine_row(engine, quarantine_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status, released_by, loaded_run_id FROM sdg.quarantine WHERE quarantine_id = :q"),
            {"q": quarantine_id},
        ).one()


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_failed_reingest_keeps_the_release_exits_non_zero_and_a_second_release_loads(
    engine, tmp_path, monkeypatch, capsys
):
    root = _served_copy(tmp_path)
    with ReplayServer(root) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        held = ingest("taldau", KEY)
    assert (held["status"], held["held_rows"]) == ("partial", 1)
    quarantine_id = held["quarantines"][0]

    with ReplayServer(root, faults=Faults({"GetIndexData/704460": ["404"]})) as refusing:  # the re-fetch fails
        monkeypatch.setenv("SDG_TALDAU_URL", refusing.url_for("taldau"))
        code = cli.main(["quality", "release", str(quarantine_id), "--by", "analyst", "--note", "checked"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"quarantine {quarantine_id} of {KEY} is released, but its rows are NOT loaded yet" in err
    assert "404" in err and f"sdg ingest --series {KEY}" in err and "Traceback" not in err
    assert tuple(_quarantine_row(engine, quarantine_id)) == ("released", "analyst", None)
    assert _count(engine, HELD_VALUE) == 0
    assert quarantined() == []  # no longer waiting for a decision: the decision is taken

    with ReplayServer(root) as server:  # the source is back: the same command retries the load
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        code = cli.main(["quality", "release", str(quarantine_id), "--by", "analyst", "--note", "checked"])
    out = capsys.readouterr().out
    assert code == 0 and f"quarantine {quarantine_id} released and loaded" in out
    status, by, loaded_run_id = _quarantine_row(engine, quarantine_id)
    assert (status, by) == ("released", "analyst") and loaded_run_id is not None
    assert _count(engine, HELD_VALUE) == 1
    with pytest.raises(LookupError, match="already released and loaded"):
        release(quarantine_id, "analyst", "again")


def test_a_changed_answer_does_not_count_as_the_released_rows_loaded(engine, tmp_path, monkeypatch):
    root = _served_copy(tmp_path)
    with ReplayServer(root) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        held = ingest("taldau", KEY)
        quarantine_id = held["quarantines"][0]
        target = root / "taldau" / "GetIndexData" / FILE
        target.write_bytes(target.read_bytes() + b"\n")  # same rows, other bytes: a new snapshot
        with pytest.raises(ReleaseNotLoaded, match="the source answered something else this time"):
            release(quarantine_id, "analyst", "checked")
    assert _quarantine_row(engine, quarantine_id).loaded_run_id is None
    assert _count(engine, HELD_VALUE) == 0
