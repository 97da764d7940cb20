"""The production compose stack: it validates, refuses to start without its secrets, and is safe by default.

Read as compose reads it: ``${VAR}`` interpolated from ``.env.example`` (``interpolate`` below follows
compose's rules), then checked service by service. Where Debian's ``docker-compose`` (v1.29, installed by
``.ci/run``) is present, it validates the file too; no Docker engine is needed for that.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
#: overrides for Celery across machines: the main one publishes its databases, a remote one runs a worker
MULTI_HOST = ROOT / "docker" / "compose.multi-host.yml"
REMOTE_WORKER = ROOT / "docker" / "compose.remote-worker.yml"
ENV_EXAMPLE = ROOT / ".env.example"
AIRFLOW_SERVICES = {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}
CELERY_SERVICES = {"airflow-worker", "airflow-worker-dedicated", "flower"}
SHARED = {
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "SDG_WAREHOUSE_URL",
}
#: images whose releases are numbered major.minor (PostgreSQL since 10): two numbers are an exact release
TWO_NUMBER_RELEASES = {"postgres"}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a literal $
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(KeyError):
    """A ``${NAME:?message}`` whose variable is unset or empty."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution (the subset compose files use; nested defaults are not needed here)."""

    def one(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name is None:
            return "$"
        value = env.get(name)
        empty = not value if op and op.startswith(":") else value is None
        if op and op.endswith("?") and empty:
            raise MissingVariable(f"{name}: {arg}")
        if op and op.endswith("-") and empty:
            return arg
        return value or ""

    return _VARIABLE.sub(one, text)


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def compose_variables(text: str) -> set[str]:
    return {m["name"] for m in _VARIABLE.finditer(text) if m["name"]}


def load(env: dict[str, str] | None = None) -> dict:
    env = read_env_file(ENV_EXAMPLE) if env is None else env
    return yaml.safe_load(interpolate(COMPOSE.read_text(), env))


def services() -> dict[str, dict]:
    return load()["services"]


def test_every_airflow_service_shares_secrets_and_execution_api():
    found = services()
    assert AIRFLOW_SERVICES | CELERY_SERVICES | {"postgres", "redis", "airflow-init"} <= set(found)
    for name in AIRFLOW_SERVICES | CELERY_SERVICES | {"airflow-init"}:
        env = found[name]["environment"]
        assert SHARED <= set(env), f"{name} lacks {SHARED - set(env)}"
        assert env["AIRFLOW__LOGGING__LOGGING_LEVEL"] == "INFO", name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", f"{name}: the executor is chosen in .env only"


def test_every_long_running_service_has_a_healthcheck_and_one_shots_are_awaited():
    found = services()
    one_shots = {name for name, s in found.items() if s.get("restart") == "no"}
    assert one_shots == {"airflow-init"}
    for name, service in found.items():
        if name in one_shots:
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        waits = service.get("depends_on") or {}
        if name in AIRFLOW_SERVICES | CELERY_SERVICES:
            assert waits["airflow-init"] == {"condition": "service_completed_successfully"}, name
            assert waits["postgres"] == {"condition": "service_healthy"}, name


def test_healthchecks_probe_the_service_itself():
    found = services()
    probes = {name: " ".join(found[name]["healthcheck"]["test"][1:]) for name in found if name != "airflow-init"}
    assert "/api/v2/monitor/health" in probes["airflow-api-server"]
    assert "localhost:8974/health" in probes["airflow-scheduler"]
    assert found["airflow-scheduler"]["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "True"
    assert "--job-type DagProcessorJob --local" in probes["airflow-dag-processor"]
    assert "--job-type TriggererJob --local" in probes["airflow-triggerer"]
    assert "inspect ping" in probes["airflow-worker"] and "celery@${HOSTNAME}" in probes["airflow-worker"]
    assert "/healthcheck" in probes["flower"]


def test_published_ports_listen_on_the_configured_address_only():
    example = read_env_file(ENV_EXAMPLE)
    without_address = {k: v for k, v in example.items() if k != "SDG_BIND_ADDRESS"}
    published = 0
    for path in (COMPOSE, MULTI_HOST, REMOTE_WORKER):
        for name, service in yaml.safe_load(path.read_text())["services"].items():
            for port in service.get("ports", []):
                published += 1
                assert isinstance(port, str) and port.startswith("${SDG_BIND_ADDRESS:-127.0.0.1}:"), f"{name}: {port}"
                assert interpolate(port, without_address).split(":")[0] == "127.0.0.1"
                assert interpolate(port, {**example, "SDG_BIND_ADDRESS": "10.0.0.5"}).startswith("10.0.0.5:")
    assert published == 5  # UI, Flower; PostgreSQL and Redis for other machines; a remote worker's log server
    raw = yaml.safe_load(COMPOSE.read_text())["services"]
    assert "ports" not in raw["postgres"] and "ports" not in raw["redis"], "one machine: databases stay internal"


def test_every_image_has_an_exact_tag():
    found = services()
    for name, service in found.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image}"
        numbers = re.match(r"\d+(?:\.\d+)*", tag)
        assert numbers, f"{name}: {image} has no version"
        needed = 2 if repository.rsplit("/", 1)[-1] in TWO_NUMBER_RELEASES else 3
        assert len(numbers[0].split(".")) >= needed, f"{name}: {image} floats (a bare major or minor)"
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert found["airflow-api-server"]["image"] == f"sdg-monitoring:{version}"


def test_env_example_documents_exactly_the_settings_compose_reads():
    text = COMPOSE.read_text()
    assert not re.search(r"(?<!\$)\$(?!\{|\$)[A-Za-z_]", text.replace("$$", "")), "use ${VAR}, not $VAR"
    overrides = {name for path in (MULTI_HOST, REMOTE_WORKER) for name in compose_variables(path.read_text())}
    assert compose_variables(text) | overrides == set(read_env_file(ENV_EXAMPLE))


def test_required_secrets_have_no_default():
    required = {m["name"] for m in _VARIABLE.finditer(COMPOSE.read_text()) if m["op"] == ":?"}
    assert {
        "AIRFLOW_FERNET_KEY",
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_API_SECRET_KEY",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "SDG_ADMIN_PASSWORD",
    } == required
    for name in required:
        env = {k: v for k, v in read_env_file(ENV_EXAMPLE).items() if k != name}
        with pytest.raises(MissingVariable, match=name):
            load(env)
        assert not re.search(r"\$\{" + name + r":?-", COMPOSE.read_text()), f"{name} has a default somewhere"


def test_celery_workers_consume_every_source_queue_with_results_on_postgres():
    from sdg_airflow.sources import queues

    found = services()
    worker = found["airflow-worker"]
    assert worker["profiles"] == ["celery"] and found["flower"]["profiles"] == ["flower"]
    dedicated = found["airflow-worker-dedicated"]
    assert set(found["redis"]["profiles"]) == {"celery", "dedicated-worker", "flower"}
    command = worker["command"].split()
    assert command[:2] == ["celery", "worker"]
    assert command[command.index("--queues") + 1] == ",".join(queues())
    assert set(dedicated["command"].split()[-1].split(",")) < set(queues())
    assert dedicated["healthcheck"] == worker["healthcheck"] and dedicated["environment"] == worker["environment"]
    env = worker["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    narrowed = load({**read_env_file(ENV_EXAMPLE), "SDG_WORKER_QUEUES": "sdg_unsd"})["services"]["airflow-worker"]
    assert narrowed["command"].split()[-1] == "sdg_unsd"
    # the compose file's own default, for a .env without the line: the one list of queues outside the table
    unset = {k: v for k, v in read_env_file(ENV_EXAMPLE).items() if k != "SDG_WORKER_QUEUES"}
    assert load(unset)["services"]["airflow-worker"]["command"].split()[-1] == ",".join(queues())


def test_logs_and_data_live_on_volumes_of_every_airflow_container():
    found = services()
    for name in AIRFLOW_SERVICES | CELERY_SERVICES | {"airflow-init"}:
        mounts = dict(volume.split(":", 1)[::-1] for volume in found[name]["volumes"])
        assert mounts.get("/opt/airflow/logs") == "airflow-logs", name
        assert mounts.get(found[name]["environment"]["SDG_DATA_DIR"]) == "sdg-data", name
    assert {"airflow-logs", "sdg-data", "postgres-data"} <= set(load()["volumes"])


def test_example_secrets_are_refused_by_the_init_check():
    init = services()["airflow-init"]
    assert "python /opt/sdg/docker/check_secrets.py &&" in init["command"][-1]
    env = {**os.environ, **{k: str(v) for k, v in init["environment"].items()}}
    refused = subprocess.run([sys.executable, ROOT / "docker" / "check_secrets.py"], env=env, capture_output=True)
    assert refused.returncode != 0
    named = refused.stderr.decode()
    assert all(
        name in named for name in ("AIRFLOW_FERNET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "SDG_ADMIN_PASSWORD")
    )
    generated = {
        "AIRFLOW_FERNET_KEY": "bXlfMzJfYnl0ZXNfb2ZfZmVybmV0X2tleV9oZXJlISE=",
        "AIRFLOW_JWT_SECRET": "a1" * 32,
        "AIRFLOW_API_SECRET_KEY": "b2" * 32,
        "POSTGRES_PASSWORD": "c3" * 24,
        "REDIS_PASSWORD": "d4" * 24,
        "SDG_ADMIN_PASSWORD": "e5" * 16,
    }
    init = load({**read_env_file(ENV_EXAMPLE), **generated})["services"]["airflow-init"]
    env = {**os.environ, **{k: str(v) for k, v in init["environment"].items()}}
    accepted = subprocess.run([sys.executable, ROOT / "docker" / "check_secrets.py"], env=env, capture_output=True)
    assert accepted.returncode == 0, accepted.stderr.decode()


def test_new_env_generates_every_secret_once(tmp_path):
    target = tmp_path / ".env"
    done = subprocess.run(["bash", ROOT / "docker" / "new-env.sh", target], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written, example = read_env_file(target), read_env_file(ENV_EXAMPLE)
    assert set(written) == set(example)
    changed = {name for name in written if written[name] != example[name]}
    required = {m["name"] for m in _VARIABLE.finditer(COMPOSE.read_text()) if m["op"] == ":?"}
    assert changed == required
    from cryptography.fernet import Fernet

    Fernet(written["AIRFLOW_FERNET_KEY"].encode())  # a valid key, or Airflow cannot start
    init = load(written)["services"]["airflow-init"]
    env = {**os.environ, **{k: str(v) for k, v in init["environment"].items()}}
    checked = subprocess.run([sys.executable, ROOT / "docker" / "check_secrets.py"], env=env, capture_output=True)
    assert checked.returncode == 0, checked.stderr.decode()
    again = subprocess.run(["bash", ROOT / "docker" / "new-env.sh", target], capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and read_env_file(target) == written, "an existing .env must never be overwritten"


@pytest.mark.slow
def test_ui_login_is_written_where_airflow_reads_it(tmp_path, monkeypatch):
    """The API server's command writes the SimpleAuthManager passwords file from .env; Airflow reads it back."""
    api = load({**read_env_file(ENV_EXAMPLE), "SDG_ADMIN_USER": "ops", "SDG_ADMIN_PASSWORD": "f00d" * 4})
    api = api["services"]["airflow-api-server"]
    assert api["command"][-1].startswith("python /opt/sdg/docker/auth_passwords.py && exec airflow api-server")
    env = {k: str(v) for k, v in api["environment"].items()}
    target = tmp_path / "home" / "passwords.json"
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(target)
    done = subprocess.run(
        [sys.executable, ROOT / "docker" / "auth_passwords.py"], env={**os.environ, **env}, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "f00d" not in done.stdout.decode()  # the password is not logged
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for name in ("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"):
        monkeypatch.setenv(name, env[name])
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    assert [(u.username, u.role) for u in SimpleAuthManager.get_users()] == [("ops", "admin")]
    assert SimpleAuthManager.get_passwords() == {"ops": "f00d" * 4}
    placeholder = {**os.environ, **env, "SDG_ADMIN_PASSWORD": "change-me-admin-password"}
    refused = subprocess.run(
        [sys.executable, ROOT / "docker" / "auth_passwords.py"], env=placeholder, capture_output=True
    )
    assert refused.returncode != 0 and b"SDG_ADMIN_PASSWORD" in refused.stderr
    assert json.loads(target.read_text()) == {"ops": "f00d" * 4}  # a refused start leaves the login as it was


# --- Debian's docker-compose (v1.29): the same file as compose itself reads it ---


def _docker_compose() -> str:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (.ci/run: apt-get install docker-compose); checked above")
    return tool


def _config(env_file: Path, *profiles: str, overrides: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    args = [_docker_compose(), "--env-file", str(env_file)]
    for path in (COMPOSE, *overrides):
        args += ["-f", str(path)]
    for profile in profiles:
        args += ["--profile", profile]
    clean = {k: v for k, v in os.environ.items() if k not in read_env_file(ENV_EXAMPLE)}
    return subprocess.run([*args, "config", "-q"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def _without(tmp_path: Path, name: str) -> Path:
    env_file = tmp_path / f"without-{name}.env"
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith(f"{name}=")]
    env_file.write_text("\n".join(lines) + "\n")
    return env_file


@pytest.mark.slow
@pytest.mark.parametrize("profiles", [(), ("celery",), ("celery", "dedicated-worker", "flower")])
def test_docker_compose_accepts_the_example_settings(profiles):
    result = _config(ENV_EXAMPLE, *profiles)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_docker_compose_accepts_a_generated_env(tmp_path):
    target = tmp_path / ".env"
    subprocess.run(["bash", ROOT / "docker" / "new-env.sh", target], check=True, capture_output=True, timeout=60)
    result = _config(target, "celery")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("profiles", [(), ("celery",)])
@pytest.mark.parametrize("secret", ["AIRFLOW_FERNET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "SDG_ADMIN_PASSWORD"])
def test_docker_compose_refuses_to_start_without_a_secret(tmp_path, secret, profiles):
    result = _config(_without(tmp_path, secret), *profiles)
    assert result.returncode != 0
    assert f"set {secret} in .env" in result.stderr


@pytest.mark.slow
def test_docker_compose_accepts_the_multi_machine_overrides(tmp_path):
    for overrides in ((MULTI_HOST,), (REMOTE_WORKER,)):
        result = _config(ENV_EXAMPLE, "celery", overrides=overrides)
        assert result.returncode == 0, result.stderr
    nameless = _config(_without(tmp_path, "SDG_WORKER_HOSTNAME"), "celery", overrides=(REMOTE_WORKER,))
    assert nameless.returncode != 0 and "set SDG_WORKER_HOSTNAME in .env" in nameless.stderr
