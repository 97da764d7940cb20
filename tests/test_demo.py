"""The README's first command: scripts/demo.sh runs the real DAGs and leaves 20 forms whose facts are filled."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.airflow
def test_demo_script_issues_the_twenty_regional_forms(warehouse_url, engine, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SDG_TALDAU"))}
    env.update(SDG_WAREHOUSE_URL=warehouse_url, SDG_DATA_DIR=str(tmp_path / "var"))
    result = subprocess.run(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    forms = sorted((tmp_path / "var/reports/2025/appendix2").glob("appendix2_*_2025_v1.xlsx"))
    assert len(forms) == 20
    assert "20 forms; Fact filled in" in result.stdout
    with engine.connect() as conn:
        recorded = (
            conn.execute(text("SELECT path FROM sdg.report WHERE year = 2025 AND kind = 'appendix2'")).scalars().all()
        )
        extract = conn.execute(text("SELECT path FROM sdg.report WHERE kind = 'national_extract'")).scalars().all()
        facts = conn.execute(text("SELECT count(*) FROM sdg.indicator_value WHERE year = 2025")).scalar()
    assert sorted(map(Path, recorded)) == forms
    assert facts > 0
    assert [Path(p).name for p in extract] == ["national_extract_2025_v1.xlsx"] and Path(extract[0]).is_file()
    assert f"national extract: v1 draft  {extract[0]}" in result.stdout
    # the DAG delivered the extract to the demo folder; e-mail waits for an SMTP server
    assert "0 sent, 1 sent before (not again), 21 e-mails not sent: no SMTP server configured" in result.stdout
    assert (tmp_path / "var/outbox/working-body/national_extract_2025_v1.xlsx").is_file()
