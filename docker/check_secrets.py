"""Refuse to initialise the stack while a secret still holds the ``change-me`` placeholder of ``.env.example``.

Compose already refuses a missing secret (``${VAR:?}``); a copied ``.env.example`` would pass that check
with values everyone knows. ``airflow-init`` runs this first, so nothing else starts (they wait for it).
"""

from __future__ import annotations

import os
import sys

PLACEHOLDER = "change-me"
#: where each secret of .env ends up in the Airflow containers' environment (URLs carry the passwords)
SECRETS = {
    "AIRFLOW__CORE__FERNET_KEY": "AIRFLOW_FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET": "AIRFLOW_JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY": "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "POSTGRES_PASSWORD",
    "AIRFLOW__CELERY__BROKER_URL": "REDIS_PASSWORD",
    "SDG_ADMIN_PASSWORD": "SDG_ADMIN_PASSWORD",
}


def placeholders(environ: dict[str, str]) -> list[str]:
    """The ``.env`` names whose value is still the placeholder, in a stable order."""
    return [name for env, name in SECRETS.items() if env in environ and PLACEHOLDER in environ[env].lower()]


if __name__ == "__main__":
    left = placeholders(dict(os.environ))
    if left:
        sys.exit(f"replace the change-me values in .env before starting: {', '.join(left)} (docs/deployment.md)")
    print("secrets: no placeholder left")
