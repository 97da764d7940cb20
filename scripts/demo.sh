#!/usr/bin/env bash
# The newcomer's first command: set everything up, then run the real Airflow DAGs on the bundled sample
# data — nightly Taldau ingestion (against a local replay of the API) and the annual report — and
# print where the Appendix 2 forms are. Uses the embedded PostgreSQL unless SDG_WAREHOUSE_URL is set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh
YEAR=${SDG_DEMO_YEAR:-2025}
LOGS=$SDG_DATA_DIR/logs
mkdir -p "$LOGS"

step() { printf '\n==> %s\n' "$*"; }

step "warehouse"
sdg db start
sdg db migrate

step "Airflow metadata database ($AIRFLOW_HOME)"
airflow db migrate >"$LOGS/airflow-db-migrate.log" 2>&1 || { tail -30 "$LOGS/airflow-db-migrate.log"; exit 1; }
python plugins/sdg_airflow/sources.py >"$AIRFLOW_HOME/pools.json"
airflow pools import "$AIRFLOW_HOME/pools.json" >>"$LOGS/airflow-db-migrate.log" 2>&1
echo "ok (pools: $(python -c "import json; print(', '.join(json.load(open('$AIRFLOW_HOME/pools.json'))))"))"

step "local replay of the Taldau API serving samples/taldau"
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sdg replay --port "$port" >"$LOGS/replay.log" 2>&1 &
replay_pid=$!
trap 'kill "$replay_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
  sleep 0.2
done
export SDG_TALDAU_URL="http://127.0.0.1:$port/taldau"
echo "$SDG_TALDAU_URL"

run_dag() {
  local dag=$1; shift
  step "airflow dags test $dag $* (log: $LOGS/$dag.log)"
  local started=$SECONDS
  if ! airflow dags test "$dag" "$@" >"$LOGS/$dag.log" 2>&1; then
    tail -40 "$LOGS/$dag.log"
    echo "DAG $dag failed; full log: $LOGS/$dag.log" >&2
    exit 1
  fi
  echo "run succeeded in $((SECONDS - started)) s"
}
run_dag sdg_ingest_taldau
run_dag sdg_annual_reporting -c "{\"year\": $YEAR}"

step "Appendix 2 forms and the national extract for $YEAR"
sdg report list --year "$YEAR"

step "delivery (catalogue/recipients.csv; e-mail needs SDG_SMTP_HOST, the demo folder is var/outbox)"
sdg deliver --year "$YEAR"

step "data quality"
sdg quality quarantine
sdg quality docs 2>/dev/null
