"""The production-like compose stack is well-formed and shares the secrets every Airflow service needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}
SHARED = {
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "SDG_WAREHOUSE_URL",
}


def test_every_airflow_service_shares_secrets_and_execution_api():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert AIRFLOW_SERVICES | {"postgres", "redis", "airflow-worker"} <= set(services)
    for name in AIRFLOW_SERVICES | {"airflow-worker", "airflow-init"}:
        env = services[name]["environment"]
        assert SHARED <= set(env), f"{name} lacks {SHARED - set(env)}"


def test_compose_file_validates_with_docker_compose():
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose); structure is checked above")
    env = {**os.environ, "AIRFLOW_FERNET_KEY": "k", "AIRFLOW_JWT_SECRET": "j", "AIRFLOW_API_SECRET_KEY": "s"}
    result = subprocess.run([tool, "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT, env=env, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
