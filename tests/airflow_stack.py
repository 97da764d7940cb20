"""A real Airflow deployment for tests: Airflow's own processes, metadata on PostgreSQL, driven over REST.

It starts what a deployment runs (``airflow api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and,
for Celery, ``airflow celery worker``s) in a temporary AIRFLOW_HOME, on free ports, each process in its own
process group so that :meth:`AirflowStack.stop` ends it with everything it forked. Every wait shares one
deadline, and a failed wait says what the processes and the failed tasks logged, so a red CI says why.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW = [sys.executable, "-m", "airflow"]
#: Seconds one test may spend waiting on the stack, all waits together (a busy 2-CPU machine needs ~8 min).
DEADLINE = float(os.environ.get("SDG_TEST_AIRFLOW_DEADLINE") or 600)
#: Seconds a process group gets to stop on SIGTERM before it is killed.
STOP_GRACE = 20.0
FINISHED = {"success", "failed"}
#: A module the Celery workers import as ``[core] hostname_callable``: TaskInstance.hostname names the worker.
HOSTNAME_MODULE = '''"""Test-only hostname_callable: the worker's name from the environment."""
import os


def worker_name() -> str:
    return os.environ["SDG_TEST_WORKER_NAME"]
'''


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A TCP port nobody listens on now (never Airflow's defaults: those may be taken by a developer's)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sqlalchemy_url(url: str) -> str:
    """The metadata URL with psycopg2 spelt out, as Airflow's config expects it."""
    return "postgresql+psycopg2://" + url.split("://", 1)[1]


class Deadline:
    """One time budget for every wait of a test: the test ends in bounded time however many waits it has."""

    def __init__(self, seconds: float = DEADLINE):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def base_env(home: Path, metadata_url: str, executor: str, api_port: int) -> dict[str, str]:
    """The environment every process of one stack shares (no AIRFLOW_* setting of the caller leaks in)."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__CORE__EXECUTOR=executor,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlalchemy_url(metadata_url),
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{api_port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{api_port}/execution/",
        # every process must share these, or tasks fail with "Signature verification failed"
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(32),
        AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(home / "passwords.json"),
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW__CORE__PARALLELISM="8",  # LocalExecutor starts this many worker processes
        # `airflow dags reserialize` stored the DAGs: the dag-processor need not parse them every 30 s meanwhile
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="600",
    )
    return env


def migrate_metadata(env: dict[str, str], timeout: float = 300) -> None:
    """``airflow db migrate`` and the SDG pools, as scripts/demo.sh does for a new deployment."""
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    pools = home / "pools.json"
    pools.write_text(
        subprocess.run(
            [sys.executable, str(ROOT / "plugins/sdg_airflow/sources.py")], check=True, capture_output=True, text=True
        ).stdout
    )
    for args in (["db", "migrate"], ["pools", "import", str(pools)]):
        done = subprocess.run([*AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class AirflowStack:
    """Processes of one Airflow deployment and a REST client for its API (SimpleAuthManager, a JWT)."""

    home: Path
    env: dict[str, str]
    api_port: int
    deadline: Deadline = field(default_factory=Deadline)
    processes: list[Process] = field(default_factory=list)
    _token: str | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # -- processes -------------------------------------------------------------------------------------------

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Process:
        """``airflow <args>`` in a new session (its own process group), output to ``<home>/procs/<name>.log``."""
        log = self.home / "procs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [*AIRFLOW, *args],
                env={**self.env, **(env or {})},
                cwd=self.home,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_core(self) -> list[str]:
        """api-server, then every DAG stored and paused, then dag-processor, scheduler and triggerer.

        The API comes first: a task the scheduler starts before it answers fails at once. The DAGs are
        paused before the scheduler sees them, since those not paused upon creation would start their
        latest scheduled run at once; the test unpauses what it runs. Returns the DAGs it paused.
        """
        self.write_password()
        self.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1")
        self.wait_for(self._login, "the API server to accept a login")
        self.run_cli("dags", "reserialize")
        paused = self.pause_all()
        self.start("dag-processor", "dag-processor")
        self.start("scheduler", "scheduler")
        self.start("triggerer", "triggerer")
        return paused

    def run_cli(self, *args: str) -> str:
        """``airflow <args>`` to its end, within the deadline; its output."""
        try:
            done = subprocess.run(
                [*AIRFLOW, *args],
                env=self.env,
                cwd=self.home,
                capture_output=True,
                text=True,
                timeout=max(self.deadline.left(), 1),
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"airflow {' '.join(args)}: the {self.deadline.seconds:.0f} s deadline passed"
            ) from exc
        assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def start_celery_worker(self, name: str, queues: list[str]) -> Process:
        """A Celery worker with one slot, on ``queues``, whose task instances record ``name`` as their hostname."""
        module_dir = self.home / "hostname"
        module_dir.mkdir(exist_ok=True)
        (module_dir / "sdg_test_hostname.py").write_text(HOSTNAME_MODULE)
        pythonpath = os.pathsep.join(filter(None, [str(module_dir), self.env.get("PYTHONPATH")]))
        env = {
            "SDG_TEST_WORKER_NAME": name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "sdg_test_hostname.worker_name",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "PYTHONPATH": pythonpath,
        }
        args = ["celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", ",".join(queues)]
        return self.start(name, *args, "--concurrency", "1", "--without-gossip", "--without-mingle", env=env)

    def stop(self) -> list[str]:
        """SIGTERM every process group, SIGKILL what is left after :data:`STOP_GRACE`; names what had to be killed."""
        for process in self.processes:
            _signal_group(process.popen.pid, signal.SIGTERM)
        end = time.monotonic() + STOP_GRACE
        killed = []
        for process in self.processes:
            if not _group_gone(process.popen, end):
                killed.append(process.name)
                _signal_group(process.popen.pid, signal.SIGKILL)
                _group_gone(process.popen, time.monotonic() + 10)
            process.popen.wait(timeout=10)
        return killed

    def leftovers(self) -> dict[str, list[int]]:
        """Processes of the stack's groups still running, by name (none once :meth:`stop` has returned)."""
        left = {p.name: _group_members(p.popen.pid) for p in self.processes}
        return {name: pids for name, pids in left.items() if pids}

    def process_logs(self, lines: int = 40) -> str:
        """The last ``lines`` lines of every process's output (the API's access log left out)."""
        parts = []
        for process in self.processes:
            text = process.log.read_text(errors="replace").splitlines() if process.log.exists() else []
            text = [line for line in text if "[http.access]" not in line]
            state = "running" if process.popen.poll() is None else f"exited {process.popen.returncode}"
            parts.append(f"----- {process.name} ({state}) -----\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def task_logs(self, dag_id: str, run_id: str, lines: int = 60) -> str:
        """The last lines of the task logs of a run's task instances that did not succeed."""
        failed = {ti["task_id"] for ti in self.task_instances(dag_id, run_id) if ti["state"] != "success"}
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
        logs = sorted(log for task_id in failed for log in folder.glob(f"task_id={task_id}/**/*.log"))
        return "\n".join(f"----- {log.relative_to(folder)} -----\n" + _tail(log, lines) for log in logs)

    # -- waiting ---------------------------------------------------------------------------------------------

    def wait_for(self, check: Callable[[], Any], what: str, every: float = 2.0, detail: Callable[[], str] = str) -> Any:
        """Poll ``check`` until it returns something truthy; past the deadline, or when a process of the stack
        has exited, fail with ``detail()`` and the processes' logs."""
        while True:
            try:
                value = check()
            except requests.RequestException:
                value = None
            if value:
                return value
            dead = [p.name for p in self.processes if p.popen.poll() is not None]
            if dead or self.deadline.left() <= 0:
                why = f"{', '.join(dead)} exited" if dead else f"the {self.deadline.seconds:.0f} s deadline passed"
                raise AssertionError(f"waiting for {what}: {why}\n{_safely(detail)}\n{self.process_logs()}")
            time.sleep(min(every, max(self.deadline.left(), 0.05)))

    def wait_for_run(self, dag_id: str, run_id: str) -> dict:
        """Until the run has finished; its final state is in the returned run."""
        return self.wait_for(
            lambda: self._finished(self.run(dag_id, run_id)),
            f"run {run_id} of {dag_id} to finish",
            detail=lambda: f"task states: {self.states(dag_id, run_id)}\n{self.task_logs(dag_id, run_id)}",
        )

    def wait_for_success(self, dag_id: str, run_id: str) -> dict:
        run = self.wait_for_run(dag_id, run_id)
        assert run["state"] == "success", (
            f"{dag_id} run {run_id} ended {run['state']}: {self.states(dag_id, run_id)}\n"
            f"{self.task_logs(dag_id, run_id)}\n{self.process_logs()}"
        )
        return run

    def wait_for_run_of_type(self, dag_id: str, run_type: str) -> dict:
        """Until a run of ``run_type`` (e.g. ``asset_triggered``) has finished; the first such run."""

        def finished() -> dict | None:
            runs = self.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"run_type": run_type, "order_by": "run_after"})
            return self._finished(runs["dag_runs"][0]) if runs["dag_runs"] else None

        return self.wait_for(finished, f"a run of {dag_id} of type {run_type} to finish")

    @staticmethod
    def _finished(run: dict) -> dict | None:
        return run if run["state"] in FINISHED else None

    # -- REST ------------------------------------------------------------------------------------------------

    def write_password(self) -> str:
        """The admin's password, in the file the SimpleAuthManager reads instead of generating one."""
        path = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        if not path.exists():
            path.write_text(json.dumps({"admin": secrets.token_urlsafe(16)}))
        return json.loads(path.read_text())["admin"]

    def _login(self) -> str:
        """A JWT from ``POST /auth/token`` (the SimpleAuthManager's login for API clients)."""
        answer = requests.post(
            f"{self.api}/auth/token", json={"username": "admin", "password": self.write_password()}, timeout=30
        )
        if answer.status_code not in (200, 201):
            return ""
        self._token = answer.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token or self._login()}"}
        return requests.request(method, f"{self.api}{path}", headers=headers, timeout=30, **kwargs)

    def get(self, path: str, missing_ok: bool = False, **kwargs: Any) -> Any:
        answer = self.request("GET", path, **kwargs)
        if missing_ok and answer.status_code == 404:
            return None
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text[:500]}"
        return answer.json()

    def set_paused(self, dag_id: str, paused: bool) -> None:
        answer = self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})
        assert answer.status_code == 200 and answer.json()["is_paused"] is paused, answer.text[:500]

    def pause_all(self) -> list[str]:
        """Pause every DAG that is not paused; names them."""
        dags = self.get("/api/v2/dags", params={"limit": 100})["dags"]
        assert dags, "no DAG stored"
        paused = [d["dag_id"] for d in dags if not d["is_paused"]]
        for dag_id in paused:
            self.set_paused(dag_id, True)
        return paused

    def trigger(self, dag_id: str, conf: dict | None = None, logical_date: str | None = None) -> str:
        """``POST /api/v2/dags/{dag_id}/dagRuns``: a manual run; its run id."""
        body = {"logical_date": logical_date, "conf": conf or {}}
        answer = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        assert answer.status_code == 200, f"trigger {dag_id}: {answer.status_code} {answer.text[:500]}"
        return answer.json()["dag_run_id"]

    def trigger_and_unpause(self, dag_id: str, conf: dict | None = None) -> str:
        """A manual run at the logical date of the DAG's due scheduled run, then the DAG unpaused; its run id.

        Unpausing a cron DAG (catchup off) starts its latest scheduled run at once; the scheduler skips a
        logical date that already has a run, so the manual run stands in for it and the DAG runs once.
        """
        due = self.get(f"/api/v2/dags/{dag_id}")["next_dagrun_logical_date"]
        run_id = self.trigger(dag_id, conf, logical_date=due)
        self.set_paused(dag_id, False)
        return run_id

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        answer = self.get(
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances", params={"limit": 100}
        )
        return answer["task_instances"]

    def states(self, dag_id: str, run_id: str) -> dict[str, str]:
        return {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in self.task_instances(dag_id, run_id)}

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """The return value of a (not mapped) task, deserialised."""
        path = (
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}/xcomEntries/return_value"
        )
        return self.get(path, params={"deserialize": "true", "stringify": "false"})["value"]


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_gone(popen: subprocess.Popen, until: float) -> bool:
    """Whether every process of ``popen``'s group has ended by ``until`` (the leader, our child, reaped)."""
    while True:
        popen.poll()  # reaps the leader once it has exited
        if not _group_members(popen.pid):
            return True
        if time.monotonic() >= until:
            return False
        time.sleep(0.2)


def _group_members(pgid: int) -> list[int]:
    """Processes of group ``pgid`` that still run (not zombies), from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _safely(detail: Callable[[], str]) -> str:
    """What ``detail`` says, or why it could not say it (a failure report must not fail itself)."""
    try:
        return detail()
    except Exception as exc:  # the API may be the thing that is down
        return f"({type(exc).__name__}: {exc})"


def _tail(path: Path, lines: int) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_stack(home: Path, metadata_url: str, executor: str, extra_env: dict[str, str]) -> Iterator[AirflowStack]:
    """An :class:`AirflowStack` whose core processes run; stopped on leaving, also on failure.

    The processes' output is printed at the end, which pytest shows only for a failed test; then ``home``
    (logs included) is removed.
    """
    home.mkdir(parents=True, exist_ok=True)
    api_port = free_port()
    env = {**base_env(home, metadata_url, executor, api_port), **extra_env}
    stack = AirflowStack(home=home, env=env, api_port=api_port)
    try:
        stack.start_core()
        yield stack
    finally:
        killed = stack.stop()
        print(stack.process_logs(lines=200))
        if killed:
            print(f"killed after {STOP_GRACE:.0f} s without stopping on SIGTERM: {', '.join(killed)}")
        shutil.rmtree(home, ignore_errors=True)
