"""The analysts' page inside Airflow: the plugin manager finds it (once, without import errors), and a real
``airflow api-server`` serves it under ``/sdg-analysts/`` to logged-in users only and lists it in the UI's menu."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "plugins"
PASSWORD = "analyst-password-for-this-test"

_FIND_PLUGINS = """
import json
from airflow import plugins_manager
plugins, errors = plugins_manager._get_plugins()
info = [p for p in plugins_manager.get_plugin_info() if p["name"] == "sdg_analysts"]
print(json.dumps({"names": [p.name for p in plugins], "errors": errors, "info": info}, default=str))
"""


def _airflow_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS)}
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.airflow
def test_airflows_plugin_manager_finds_the_page_once_without_import_errors(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", _FIND_PLUGINS], env=_airflow_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["names"].count("sdg_analysts") == 1
    assert not [path for path in found["errors"] if "sdg_analysts" in path], found["errors"]
    (info,) = found["info"]
    assert info["source"].endswith("sdg_analysts/sdg_analysts_plugin.py")
    apps = [(a["url_prefix"], a["app"]) for a in info["fastapi_apps"]]
    assert apps == [("/sdg-analysts", "fastapi.applications.FastAPI")]
    (view,) = info["external_views"]
    assert (view["url_route"], view["href"], view["destination"]) == ("sdg-analysts", "sdg-analysts/", "nav")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def api_server(airflow_db, warehouse_url, tmp_path) -> Iterator[str]:
    """``airflow api-server`` (one worker) with the simple auth manager and one user, ``analyst``; stopped after."""
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({"analyst": PASSWORD}))
    env = _airflow_env(Path(airflow_db))
    env.update(
        AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="analyst:viewer",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="False",
        AIRFLOW__API_AUTH__JWT_SECRET="jwt-secret-of-this-test-only-" + "x" * 32,
        AIRFLOW__API__SECRET_KEY="secret-key-of-this-test-only",
        SDG_WAREHOUSE_URL=warehouse_url,
    )
    port = _free_port()
    log = (tmp_path / "api-server.log").open("w")
    command = [sys.executable, "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port", str(port), "-w", "1"]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(server, base, tmp_path / "api-server.log")
        yield base
    finally:
        _stop(server)
        log.close()


def _wait_until_healthy(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert server.poll() is None, f"api-server exited: {log.read_text()[-3000:]}"
        try:
            if requests.get(f"{base}/api/v2/monitor/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"api-server not healthy in 240 s: {log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.mark.airflow
def test_a_real_api_server_serves_the_page_to_logged_in_users_and_lists_it_in_the_menu(api_server):
    page = f"{api_server}/sdg-analysts/"
    assert requests.get(page, timeout=60).status_code == 401
    assert requests.get(page, headers={"Authorization": "Bearer not-a-token"}, timeout=60).status_code in (401, 403)
    login = requests.post(f"{api_server}/auth/token", json={"username": "analyst", "password": PASSWORD}, timeout=60)
    assert login.status_code == 201, login.text
    token = login.json()["access_token"]

    with_header = requests.get(page, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    with_cookie = requests.get(page, cookies={"_token": token}, timeout=120)  # how the UI's frame asks for it
    for response in (with_header, with_cookie):
        assert response.status_code == 200, response.text[-2000:]
        assert "Мониторинг ЦУР: индикаторы региона" in response.text
        assert 'name="region"' in response.text
    icon = requests.get(f"{api_server}/sdg-analysts/icon.svg", cookies={"_token": token}, timeout=60)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")

    plugins = requests.get(f"{api_server}/api/v2/plugins", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert plugins.status_code == 200, plugins.text
    (ours,) = [p for p in plugins.json()["plugins"] if p["name"] == "sdg_analysts"]
    assert [v["url_route"] for v in ours["external_views"]] == ["sdg-analysts"]
