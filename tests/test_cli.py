"""The ``sdg`` command: every subcommand has help, the main paths work, and known errors print no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from etl.cli import main
from etl.jobs import series_keys

SUBCOMMANDS = [
    ["db", "start"], ["db", "stop"], ["db", "url"], ["db", "migrate"], ["ingest"], ["compute"],
    ["report", "issue"], ["report", "list"], ["quality", "quarantine"], ["quality", "release"], ["quality", "docs"],
    ["replay"],
]  # fmt: skip


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
