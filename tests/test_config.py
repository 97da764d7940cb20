"""Every setting is read in ``etl/config.py`` (issue 12, point 2): a static check, the defaults and the errors.

The check walks the syntax trees of etl/, plugins/ and dags/ for any use of ``os.environ``, ``os.getenv`` (or
``environ``/``getenv`` imported from ``os``). Outside etl/config.py only the lines in :data:`PLUMBING` may do
so: each is listed with the reason it is not a setting, and a listed line that no longer exists fails the test,
so the list stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from etl import config

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("etl", "plugins", "dags")
ENV_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})

#: (file, the line's text) → why it touches the environment without reading a setting
PLUMBING: dict[tuple[str, str], str] = {
    # sdg_airflow.connections copies Airflow connections into the task's environment, where etl.config reads
    # them: it asks whether the raw variable is already set (then the environment wins) ...
    ("plugins/sdg_airflow/connections.py", "return bool(os.environ.get(env))"): "is the variable already set",
    # ... and writes the connection's value; neither interprets a setting's value.
    ("plugins/sdg_airflow/connections.py", "os.environ[env] = value"): "exports a connection for etl.config",
}


def _environment_uses(path: Path) -> list[int]:
    """Line numbers where ``path`` touches the process environment."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ENV_NAMES:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(alias.name in ENV_NAMES for alias in node.names):
                lines.append(node.lineno)
    return sorted(set(lines))


def environment_reads() -> dict[tuple[str, str], int]:
    """(file, line text) → line number of every use of the environment outside etl/config.py."""
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative == "etl/config.py":
                continue
            text = path.read_text(encoding="utf-8").splitlines()
            for number in _environment_uses(path):
                found[(relative, text[number - 1].strip())] = number
    return found


def test_settings_are_read_only_in_etl_config():
    reads = environment_reads()
    unexpected = [f"{file}:{line}: {text}" for (file, text), line in reads.items() if (file, text) not in PLUMBING]
    assert not unexpected, "read the setting through a function of etl/config.py:\n" + "\n".join(unexpected)
    stale = [key for key in PLUMBING if key not in reads]
    assert not stale, f"PLUMBING lists lines that no longer exist: {stale}"


def test_the_check_sees_every_spelling(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        "import os\nfrom os import getenv\n\n\ndef f():\n    return os.environ['A'], getenv('B'), os.getenv('C')\n"
    )
    assert _environment_uses(path) == [2, 6]


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """None of the settings below set (empty, as the compose file's ``.env`` leaves them)."""
    for name in (
        "SDG_UNSD_URL",
        "SDG_OPENSDG_URL",
        "SDG_SDMX_URL",
        "SDG_FILES_INBOX",
        "SDG_CHROMIUM",
        "SDG_ANALYST_URL",
        "SDG_SMTP_HOST",
        "SDG_SMTP_PORT",
        "SDG_SMTP_USER",
        "SDG_SMTP_PASSWORD",
        "SDG_SMTP_STARTTLS",
        "SDG_ALERT_FROM",
        "SDG_ALERT_RECIPIENTS",
    ):
        monkeypatch.setenv(name, "")
    return monkeypatch


def test_defaults(clean, tmp_path):
    clean.setenv("SDG_DATA_DIR", str(tmp_path / "var"))
    assert config.unsd_url() == "https://unstats.un.org/sdgapi"
    assert config.opensdg_url() == "https://raw.githubusercontent.com/kazstat/sdg-data-kazstat/master"
    assert config.sdmx_url() is None and config.configured_analyst_url() is None
    assert config.files_inbox() == tmp_path / "var" / "inbox" and config.files_inbox().is_dir()
    assert config.chromium_off() is False
    assert (config.smtp_host(), config.smtp_port(), config.smtp_user(), config.smtp_password()) == ("", 25, "", "")
    assert config.smtp_starttls() is False
    assert config.alert_from() == "sdg-pipeline@localhost" and config.alert_recipients() == ()


def test_configured_values(clean, tmp_path):
    values = {
        "SDG_UNSD_URL": "http://127.0.0.1:8000/unsd/",
        "SDG_OPENSDG_URL": "file:///srv/sdg-data/",
        "SDG_SDMX_URL": "https://sdmx.example.kz/rest",
        "SDG_FILES_INBOX": str(tmp_path / "share"),
        "SDG_CHROMIUM": " OFF ",
        "SDG_ANALYST_URL": "postgresql://page@db/sdg",
        "SDG_SMTP_HOST": " mail.example.kz ",
        "SDG_SMTP_PORT": "587",
        "SDG_SMTP_STARTTLS": "Yes",
        "SDG_ALERT_FROM": "sdg@example.kz",
        "SDG_ALERT_RECIPIENTS": " a@example.kz,, b@example.kz ",
    }
    for name, value in values.items():
        clean.setenv(name, value)
    assert config.unsd_url() == "http://127.0.0.1:8000/unsd" and config.opensdg_url() == "file:///srv/sdg-data"
    assert config.sdmx_url() == "https://sdmx.example.kz/rest"
    assert config.files_inbox() == tmp_path / "share" and not (tmp_path / "share").exists()  # never created
    assert config.chromium_off() is True and config.chromium() is None
    assert config.configured_analyst_url() == "postgresql://page@db/sdg"
    assert (config.smtp_host(), config.smtp_port(), config.smtp_starttls()) == ("mail.example.kz", 587, True)
    assert config.alert_recipients() == ("a@example.kz", "b@example.kz")


@pytest.mark.parametrize(
    ("name", "value", "read", "message"),
    [
        ("SDG_SMTP_PORT", "smtp", config.smtp_port, "SDG_SMTP_PORT='smtp': expected a port number"),
        ("SDG_SMTP_PORT", "70000", config.smtp_port, "SDG_SMTP_PORT='70000': expected a port number from 1"),
        ("SDG_SMTP_STARTTLS", "maybe", config.smtp_starttls, "SDG_SMTP_STARTTLS='maybe': expected true or false"),
        ("SDG_CHROMIUM", "no-such-browser", config.chromium, "SDG_CHROMIUM='no-such-browser': no such program"),
        ("SDG_REQUEST_DEADLINE", "soon", config.request_deadline, "SDG_REQUEST_DEADLINE='soon'"),
        ("SDG_QUALITY_RETENTION_DAYS", "0", config.quality_retention_days, "SDG_QUALITY_RETENTION_DAYS must be"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable_and_value(clean, name, value, read, message):
    clean.setenv(name, value)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        read()
