#!/usr/bin/env bash
# A tour of the running stack through nginx: sign up, create an API key, call
# each protected route with each credential, revoke the key. Run it while
# scripts/run.sh is up. Usage: bash scripts/demo.sh [http://127.0.0.1:8080]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="$( (grep -E '^NGINX_PORT=' "$ROOT/.env" 2>/dev/null || echo NGINX_PORT=8080) | tail -1 | cut -d= -f2)"
BASE="${1:-http://127.0.0.1:$PORT}"
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
show() { printf '\n$ %s\n' "$*"; "$@"; echo; }

EMAIL="demo-$(date +%s)-$RANDOM@example.com"
echo "# sign up $EMAIL"
SIGNUP=$(curl -sS -X POST "$BASE/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"Password123!\",\"name\":\"Demo User\"}")
echo "$SIGNUP"
TOKEN=$(echo "$SIGNUP" | field accessToken)
[ -n "$TOKEN" ] || { echo "signup failed" >&2; exit 1; }

echo; echo "# create an API key (shown once)"
KEYJSON=$(curl -sS -X POST "$BASE/keys/create" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $TOKEN" -d '{"name":"demo service","scopes":["reports:read"]}')
echo "$KEYJSON"
KEY=$(echo "$KEYJSON" | field key)
KEY_ID=$(echo "$KEYJSON" | field id)

show curl -sS "$BASE/protected/user-only" -H "Authorization: Bearer $TOKEN"
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"
show curl -sS "$BASE/protected/flexible" -H "Authorization: Bearer $KEY"
show curl -sS "$BASE/protected/reports" -H "x-api-key: $KEY"
show curl -sS "$BASE/protected/service-only" -H "Authorization: Bearer $TOKEN"
show curl -sS "$BASE/protected/flexible"
show curl -sS "$BASE/keys" -H "Authorization: Bearer $TOKEN"
show curl -sS -X DELETE "$BASE/keys/$KEY_ID" -H "Authorization: Bearer $TOKEN"
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"
