#!/usr/bin/env bash
# Create .venv and install the locked dependencies plus this project (editable): the run-time set
# (requirements.lock, what the image gets) and the tests and tools (requirements-dev.lock). Safe to re-run:
# it does nothing when the locks and pyproject.toml have not changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version)'

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  echo "==> installing uv into .venv (fast, lock-exact installs)"
  .venv/bin/python -m ensurepip -q >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q "uv==0.13.9"
fi

want=$(cat requirements.lock requirements-dev.lock pyproject.toml | sha256sum | cut -c1-64)
if [ "$(cat .venv/.installed 2>/dev/null || true)" != "$want" ]; then
  echo "==> installing locked dependencies (first time: a minute or two)"
  .venv/bin/uv pip install -q -p .venv/bin/python -r requirements.lock -r requirements-dev.lock
  .venv/bin/uv pip install -q -p .venv/bin/python --no-deps -e .
  echo "$want" > .venv/.installed
fi
