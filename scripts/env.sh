# Sourced by the scripts: the venv on PATH and a project-local Airflow (SQLite metadata, our dags/).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/.venv/bin:$PATH"
export SDG_DATA_DIR=${SDG_DATA_DIR:-$ROOT/var}
export AIRFLOW_HOME=${AIRFLOW_HOME:-$SDG_DATA_DIR/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$ROOT/dags
export AIRFLOW__CORE__PLUGINS_FOLDER=$ROOT/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__UNIT_TEST_MODE=False
# INFO: a task's log (the UI's Logs tab, `airflow dags test`) says what it did: series, rows, snapshots,
# quarantines, facts, files issued. It was WARNING since the first DAGs (7690aab, no reason recorded; it kept
# `airflow dags test` quiet) and left every task log empty.
export AIRFLOW__LOGGING__LOGGING_LEVEL=${AIRFLOW__LOGGING__LOGGING_LEVEL:-INFO}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}
mkdir -p "$SDG_DATA_DIR" "$AIRFLOW_HOME" "$XDG_RUNTIME_DIR"
