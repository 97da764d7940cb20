"""Airflow connections as settings: only "not defined" counts as absent, anything else fails loudly (issue 12, point 2).

Real lookups through Airflow's Task SDK, outside a task: connections come from ``AIRFLOW_CONN_*`` variables,
and a secrets backend is configured the way operators configure Vault or AWS Secrets Manager
(``AIRFLOW__SECRETS__BACKEND``). The backends below stand in for such a service being down or refusing; the
code under test (``sdg_airflow.connections``) and Airflow's lookup are real.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from airflow.sdk import BaseHook
from airflow.sdk.bases.secrets_backend import BaseSecretsBackend
from airflow.sdk.configuration import clear_secrets_backends_cache
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSecretsBackendAccessDenied
from sdg_airflow.connections import ConnectionLookupError, apply_connections, lookup

from etl import config

#: what apply_connections may set; each starts empty (= not set) and is restored after the test
SETTINGS = (
    "SDG_WAREHOUSE_URL",
    "SDG_TALDAU_URL",
    "SDG_SMTP_HOST",
    "SDG_SMTP_PORT",
    "SDG_SMTP_USER",
    "SDG_SMTP_PASSWORD",
    "SDG_SMTP_STARTTLS",
    "SDG_ALERT_FROM",
    "SDG_ALERT_RECIPIENTS",
)
CONNECTION_VARIABLES = ("AIRFLOW_CONN_SDG_WAREHOUSE", "AIRFLOW_CONN_TALDAU", "AIRFLOW_CONN_SMTP_DEFAULT")


class UnreachableBackend(BaseSecretsBackend):
    """A secrets service that is down: every lookup raises, as its client does on a refused connection."""

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        raise ConnectionRefusedError("secrets.example.kz:8200: connection refused")

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        raise ConnectionRefusedError("secrets.example.kz:8200: connection refused")


class DenyingBackend(BaseSecretsBackend):
    """A secrets service that refuses this worker (Airflow's authoritative deny)."""

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        raise AirflowSecretsBackendAccessDenied(f"no access to {conn_id}")


class EmptyBackend(BaseSecretsBackend):
    """A working secrets service that defines nothing."""

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        return None


@pytest.fixture
def airflow_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SDG_* setting, no connection, no secrets backend; Airflow's memoised backends dropped before and after."""
    for name in SETTINGS:
        monkeypatch.setenv(name, "")  # recorded, so whatever apply_connections exports is undone
    for name in (*CONNECTION_VARIABLES, "AIRFLOW__SECRETS__BACKEND", "AIRFLOW__WORKERS__SECRETS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    clear_secrets_backends_cache()
    try:
        yield monkeypatch
    finally:
        clear_secrets_backends_cache()


def _backend(monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
    monkeypatch.setenv("AIRFLOW__SECRETS__BACKEND", f"{cls.__module__}.{cls.__qualname__}")
    clear_secrets_backends_cache()


def test_defined_connections_become_the_settings(airflow_env):
    airflow_env.setenv("AIRFLOW_CONN_SDG_WAREHOUSE", "postgres://loader:s3cret@db.example.kz:5432/sdg")
    taldau = {"conn_type": "http", "host": "replay.example.kz", "port": 8080, "schema": "http"}
    airflow_env.setenv("AIRFLOW_CONN_TALDAU", json.dumps(taldau))
    smtp = {"conn_type": "smtp", "host": "mail.example.kz", "port": 587, "login": "sdg", "password": "pw"}
    smtp["extra"] = {"from_email": "sdg@example.kz", "recipients": "a@example.kz, b@example.kz"}
    airflow_env.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(smtp))

    applied = apply_connections()

    assert applied["SDG_WAREHOUSE_URL"] == "sdg_warehouse" and applied["SDG_TALDAU_URL"] == "taldau"
    assert config.configured_warehouse_url() == "postgresql://loader:s3cret@db.example.kz:5432/sdg"
    assert config.taldau_url() == "http://replay.example.kz:8080"
    assert (config.smtp_host(), config.smtp_port(), config.smtp_user()) == ("mail.example.kz", 587, "sdg")
    assert config.smtp_starttls() is True and config.alert_from() == "sdg@example.kz"
    assert config.alert_recipients() == ("a@example.kz", "b@example.kz")


def test_an_undefined_connection_leaves_the_default(airflow_env):
    assert lookup("taldau") is None
    assert apply_connections() == {}
    assert config.configured_warehouse_url() is None and config.taldau_url() == config.DEFAULT_TALDAU_URL
    _backend(airflow_env, EmptyBackend)  # a working backend that does not define them: still absent
    assert apply_connections() == {}


def test_a_backend_outage_fails_loudly_naming_the_connection(airflow_env):
    _backend(airflow_env, UnreachableBackend)
    # Airflow itself skips the failing backend and answers "not defined": why lookup asks each backend again
    with pytest.raises(AirflowNotFoundException):
        BaseHook.get_connection("sdg_warehouse")
    with pytest.raises(ConnectionLookupError, match=r"'sdg_warehouse'.*UnreachableBackend.*connection refused"):
        apply_connections()
    assert os.environ["SDG_WAREHOUSE_URL"] == ""  # no embedded fallback was chosen
    with pytest.raises(ConnectionLookupError, match=r"'smtp_default'.*UnreachableBackend"):
        lookup("smtp_default")


def test_a_refusing_backend_fails_loudly(airflow_env):
    _backend(airflow_env, DenyingBackend)
    with pytest.raises(ConnectionLookupError, match=r"'taldau': lookup failed: AirflowSecretsBackendAccessDenied"):
        lookup("taldau")


def test_settings_in_the_environment_are_not_looked_up(airflow_env):
    _backend(airflow_env, UnreachableBackend)
    airflow_env.setenv("SDG_WAREHOUSE_URL", "postgresql://u@db.example.kz/sdg")
    airflow_env.setenv("SDG_TALDAU_URL", "https://taldau.example.kz")
    airflow_env.setenv("SDG_SMTP_HOST", "mail.example.kz")
    assert apply_connections() == {}  # the backend is never asked, so its outage does not matter here
    assert config.configured_warehouse_url() == "postgresql://u@db.example.kz/sdg"
