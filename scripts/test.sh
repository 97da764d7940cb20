#!/usr/bin/env bash
# The newcomer's second command: set up, lint, type-check, and run the whole test suite on a real PostgreSQL
# (SDG_TEST_DATABASE_URL when set, else the embedded one). Extra arguments go to pytest. `--fast` runs only the
# pure tier (no database, no Airflow, nothing slow; see tests/conftest.py) while you work; CI runs everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh
echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy  # etl, dags and plugins, as [tool.mypy] in pyproject.toml says; cached in var/mypy_cache
echo "==> pytest"
python -m pytest "$@"
