"""The ``sdg`` command: every subcommand has help, the main paths work, and known errors print no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from etl.cli import main
from etl.jobs import series_keys

SUBCOMMANDS = [
    ["db", "start"],
    ["db", "stop"],
    ["db", "url"],
    ["db", "migrate"],
    ["ingest"],
    ["compute"],
    ["report", "issue"],
    ["report", "list"],
    ["quality", "quarantine"],
    ["quality", "release"],
    ["quality", "docs"],
    ["replay"],
]


@pytest.mark.parametrize("command", SUBCOMMANDS, ids=[" ".join(c) for c in SUBCOMMANDS])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: sdg" in capsys.readouterr().out


def test_ingest_compute_issue_and_list(warehouse_url, replay, capsys):
    assert main(["ingest", "--source", "taldau"]) == 0
    out = capsys.readouterr().out
    n = len(series_keys("taldau"))
    assert f"{n} of {n} series ingested" in out
    assert main(["compute", "--year", "2025"]) == 0
    assert main(["report", "issue", "--year", "2025"]) == 0
    assert "20 forms for 2025 (20 new versions)" in capsys.readouterr().out
    assert main(["report", "list", "--year", "2025"]) == 0
    assert "20 forms; Fact filled in" in capsys.readouterr().out


def test_known_errors_are_one_line_not_a_traceback(warehouse_url):
    result = subprocess.run(
        [sys.executable, "-m", "etl.cli", "quality", "release", "999999", "--by", "me", "--note", "test"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: quarantine 999999 does not exist"


def test_unknown_series_is_refused(warehouse_url, capsys):
    assert main(["ingest", "--series", "taldau:nope"]) == 2
    assert "no declared series match" in capsys.readouterr().err


def test_ingest_goes_on_past_a_failing_series_and_names_it(warehouse_url, capsys, monkeypatch):
    """SYNTHETIC fault: every request for one index answers 404; the others load, the exit code is 1."""
    from etl.sources.replay import Faults, ReplayServer

    with ReplayServer(faults=Faults({"703870": ["404"] * 50})) as server:
        monkeypatch.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
        assert main(["ingest", "--source", "taldau"]) == 1
    out = capsys.readouterr().out
    n = len(series_keys("taldau"))
    assert f"{n - 1} of {n} series ingested; failed: ['taldau:703870:p7']" in out
    assert "taldau:703870:p7: FAILED: taldau" in out and "404" in out
