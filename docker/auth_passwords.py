"""Write the UI's login from the environment before the API server starts.

Airflow 3's default SimpleAuthManager keeps users in ``[core] simple_auth_manager_users`` and their
passwords in a JSON file; left alone it invents a password and prints it to the log. Writing the file
from ``SDG_ADMIN_USER`` / ``SDG_ADMIN_PASSWORD`` at every start makes the login a setting of ``.env``:
rotating it is editing ``.env`` and restarting the API server.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

PASSWORDS_FILE_ENV = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"


def write_passwords(environ: dict[str, str]) -> Path:
    """Write ``{user: password}`` (owner-only) where the auth manager reads it; return the path."""
    user = environ.get("SDG_ADMIN_USER") or "admin"
    password = environ.get("SDG_ADMIN_PASSWORD") or ""
    if not re.fullmatch(r"[A-Za-z0-9_.@-]+", user):
        raise SystemExit(f"SDG_ADMIN_USER={user!r}: letters, digits and _.@- only (',' and ':' separate users)")
    if not password or "change-me" in password.lower():
        raise SystemExit("SDG_ADMIN_PASSWORD is empty or a change-me placeholder: set it in .env (docs/deployment.md)")
    path = Path(environ.get(PASSWORDS_FILE_ENV) or Path(environ.get("AIRFLOW_HOME", "/opt/airflow")) / "passwords.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps({user: password}) + "\n")
    path.chmod(0o600)  # O_CREAT's mode does not apply to a file that already existed
    return path


if __name__ == "__main__":
    print(f"UI login for {os.environ.get('SDG_ADMIN_USER') or 'admin'} written to {write_passwords(dict(os.environ))}")
    sys.exit(0)
