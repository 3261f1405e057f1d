#!/usr/bin/env bash
# A tour of the running stack through nginx: sign up, create an API key, call
# each protected route with each credential, revoke the key; then a second
# key's lifecycle: read it, change it in place, disable and enable it, rotate
# it with a short grace period (both keys work, then the old one is refused),
# report it leaked. Run it while scripts/run.sh is up.
# Usage: bash scripts/demo.sh [http://127.0.0.1:8080]
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

# Every change reaches every authd instance within 1 s; the pauses below wait that out.
echo; echo "# a second key, to show its lifecycle"
KEYJSON=$(curl -sS -X POST "$BASE/keys/create" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $TOKEN" -d '{"name":"lifecycle demo","scopes":["reports:read"]}')
echo "$KEYJSON"
KEY=$(echo "$KEYJSON" | field key)
KEY_ID=$(echo "$KEYJSON" | field id)
JSON=(-H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN")

echo; echo "# read it, then change it in place: name, metadata, a rate limit"
show curl -sS "$BASE/keys/$KEY_ID" -H "Authorization: Bearer $TOKEN"
show curl -sS -X PATCH "$BASE/keys/$KEY_ID" "${JSON[@]}" \
  -d '{"name":"lifecycle demo (renamed)","metadata":{"team":"demo"},"rateLimit":{"limit":100,"windowSeconds":60}}'

echo; echo "# disable it (reversible, unlike DELETE), then enable it again"
show curl -sS -X PATCH "$BASE/keys/$KEY_ID" "${JSON[@]}" -d '{"enabled":false}'
sleep 1
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"
show curl -sS -X PATCH "$BASE/keys/$KEY_ID" "${JSON[@]}" -d '{"enabled":true}'
sleep 1
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"

echo; echo "# rotate it with a 3 s grace period: a new key (shown once) with the same settings"
ROTATED=$(curl -sS -X POST "$BASE/keys/$KEY_ID/rotate" "${JSON[@]}" -d '{"gracePeriodSeconds":3}')
echo "$ROTATED"
NEW_KEY=$(echo "$ROTATED" | field key)
NEW_ID=$(echo "$ROTATED" | field id)
echo; echo "# during the grace period both keys work: the old one, then the new one"
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $NEW_KEY"
echo; echo "# once the grace period is over the old key is refused; the new one still works"
sleep 4
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $KEY"
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $NEW_KEY"
show curl -sS -X POST "$BASE/keys/$KEY_ID/rotate" "${JSON[@]}" -d '{}'

echo; echo "# anyone holding a key can report it leaked (no login: the key is the proof); always 202"
show curl -sS -w ' (HTTP %{http_code})' -X POST "$BASE/keys/report-leak" -H "x-api-key: $NEW_KEY"
sleep 1
show curl -sS "$BASE/protected/service-only" -H "x-api-key: $NEW_KEY"
show curl -sS "$BASE/keys/$NEW_ID" -H "Authorization: Bearer $TOKEN"
