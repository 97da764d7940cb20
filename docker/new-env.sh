#!/usr/bin/env bash
# Write .env from .env.example with every secret freshly generated (never overwrites an existing file).
#   bash docker/new-env.sh            # .env beside docker-compose.yml
#   bash docker/new-env.sh PATH       # somewhere else
# Hex secrets keep the URLs they go into (postgresql://airflow:<password>@...) and the Flower login unambiguous.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${1:-$root/.env}
if [ -e "$target" ]; then
  echo "$target exists: edit it, or move it away first" >&2
  exit 1
fi
hex() { python3 -c "import secrets; print(secrets.token_hex($1))"; }
# A Fernet key is 32 random bytes in URL-safe base64.
fernet=$(python3 -c "import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())")
umask 077
sed -e "s|^AIRFLOW_FERNET_KEY=.*|AIRFLOW_FERNET_KEY=$fernet|" \
  -e "s|^AIRFLOW_JWT_SECRET=.*|AIRFLOW_JWT_SECRET=$(hex 32)|" \
  -e "s|^AIRFLOW_API_SECRET_KEY=.*|AIRFLOW_API_SECRET_KEY=$(hex 32)|" \
  -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(hex 24)|" \
  -e "s|^REDIS_PASSWORD=.*|REDIS_PASSWORD=$(hex 24)|" \
  -e "s|^SDG_ADMIN_PASSWORD=.*|SDG_ADMIN_PASSWORD=$(hex 16)|" \
  "$root/.env.example" >"$target"
if grep -q '^[A-Z_]*=change-me' "$target"; then
  echo "a placeholder is left in $target: $(grep -o '^[A-Z_]*=change-me' "$target" | tr '\n' ' ')" >&2
  exit 1
fi
echo "wrote $target (owner-only); log in to the UI as SDG_ADMIN_USER with SDG_ADMIN_PASSWORD from it"
