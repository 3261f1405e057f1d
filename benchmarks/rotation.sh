#!/usr/bin/env bash
# Key rotation under load (issue 14): while wrk runs the apikey scenario
# (GET /protected/service-only through nginx, a random one of 100 keys per
# request), half of those keys are rotated with a grace period longer than the
# run. A rotation must lose no request of the keys it rotates: the check fails
# unless wrk saw 0 non-2xx answers and 0 socket errors, every rotation answered
# 201, and every new key verifies. Own stack (ports 24180+, throwaway data,
# two authd instances behind nginx, so each rotation must reach the instance
# it did not go through).
#
#   bash benchmarks/rotation.sh            wrk -d10s, 50 of 100 keys rotated during the run
#   bash benchmarks/rotation.sh --quick    wrk -d4s
#
# Prints one summary and writes it to benchmarks/results/rotation.md. Environment:
# AUTHD_BENCH_PORT_BASE (24180), BENCH_CONNECTIONS (64), BENCH_THREADS (2), ROTATE_KEYS (50),
# ROTATION_GRACE (600).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STACK="$ROOT/scripts/stack.sh"

DUR=10
[ "${1:-}" = "--quick" ] && DUR=4
CONN="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
BASE="${AUTHD_BENCH_PORT_BASE:-24180}"
KEYS=100
ROTATE="${ROTATE_KEYS:-50}"
# Seconds: longer than the run, so every old key must stay valid throughout (ROTATION_GRACE=0
# shows the check failing: the rotated keys are then refused at once).
GRACE="${ROTATION_GRACE:-600}"
OUT="$ROOT/benchmarks/results"
mkdir -p "$OUT"

log() { printf '[rotation] %s\n' "$*" >&2; }
die() { printf '[rotation] error: %s\n' "$*" >&2; exit 1; }

bash "$STACK" install
AUTHD_BUILD_TARGET=authd bash "$STACK" build

STATE="$(mktemp -d /tmp/authd-rotation.XXXXXX)"
WRK_PID=""
cleanup() {
  if [ -n "$WRK_PID" ]; then kill "$WRK_PID" 2>/dev/null || true; fi
  bash "$STACK" down "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$STACK" env "$STATE" bench "$BASE" 2
bash "$STACK" up "$STATE"
NGINX="http://127.0.0.1:$BASE"

# ---- seed: one user, 100 keys made through the API (key and id, tab-separated) -----
log "seeding $KEYS keys"
SIGNUP=$(curl -fsS -X POST "$NGINX/auth/signup" -H 'Content-Type: application/json' \
  -d '{"email":"rotation@example.com","password":"Bench-password-1","name":"Rotation"}')
JWT=$(echo "$SIGNUP" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[ -n "$JWT" ] || die "signup failed: $SIGNUP"
AUTH=(-H "Authorization: Bearer $JWT" -H 'Content-Type: application/json')
: >"$STATE/keys.tsv"
for ((i = 1; i <= KEYS; i++)); do
  created=$(curl -fsS -X POST "$NGINX/keys/create" "${AUTH[@]}" -d "{\"name\":\"rotation-$i\"}")
  key=$(echo "$created" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  id=$(echo "$created" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  [ -n "$key" ] && [ -n "$id" ] || die "key $i was not created: $created"
  printf '%s\t%s\n' "$key" "$id" >>"$STATE/keys.tsv"
done
export BENCH_KEYS="$STATE/keys.tsv"
# Both instances warm: every key used through nginx's round robin for a moment.
wrk -t"$THREADS" -c"$CONN" -d2s -H 'Connection: keep-alive' -s "$ROOT/benchmarks/wrk/keys.lua" \
  "$NGINX/protected/service-only" >/dev/null 2>&1 || true

# ---- the run: wrk on all keys, the first ROTATE of them rotated one after another meanwhile ----
log "wrk -t$THREADS -c$CONN -d${DUR}s on $KEYS keys; rotating $ROTATE of them (grace ${GRACE}s) after 1 s"
wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency -H 'Connection: keep-alive' -s "$ROOT/benchmarks/wrk/keys.lua" \
  "$NGINX/protected/service-only" >"$STATE/wrk.out" 2>&1 &
WRK_PID=$!
sleep 1
ROT_START=$(date +%s%N)
ROTATED=0
: >"$STATE/new-keys.txt"
while IFS=$'\t' read -r _ id; do
  answer=$(curl -sS -w '\n%{http_code}' -X POST "$NGINX/keys/$id/rotate" "${AUTH[@]}" -d "{\"gracePeriodSeconds\":$GRACE}")
  status=$(echo "$answer" | tail -1)
  if [ "$status" = 201 ]; then
    ROTATED=$((ROTATED + 1))
    echo "$answer" | head -1 | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' >>"$STATE/new-keys.txt"
  else
    log "rotation of $id answered $status: $(echo "$answer" | head -1)"
  fi
done < <(head -n "$ROTATE" "$STATE/keys.tsv")
ROT_MS=$((($(date +%s%N) - ROT_START) / 1000000))
kill -0 "$WRK_PID" 2>/dev/null || log "warning: wrk ended before the rotations did (${ROT_MS} ms); use a longer run"
wait "$WRK_PID"
WRK_PID=""

OUTPUT="$(cat "$STATE/wrk.out")"
TOTAL=$(echo "$OUTPUT" | awk '/requests in/ { print $1 }')
RPS=$(echo "$OUTPUT" | awk '/^Requests\/sec/ { print $2 }')
NON2XX=$(echo "$OUTPUT" | awk '/Non-2xx/ { print $NF }')
NON2XX=${NON2XX:-0}
# "Socket errors: connect 0, read 0, write 0, timeout 0": any of them is a lost request too.
SOCKET_ERRORS=$(echo "$OUTPUT" | awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }')
SOCKET_ERRORS=${SOCKET_ERRORS:-0}

# ---- after: every new key verifies, through either instance -------------------------------------
NEW_OK=0
while read -r key; do
  for _ in 1 2; do
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "$NGINX/protected/service-only" -H "x-api-key: $key")" = 200 ] || continue 2
  done
  NEW_OK=$((NEW_OK + 1))
done <"$STATE/new-keys.txt"

SUMMARY="$OUT/rotation.md"
{
  echo "| requests | req/s | non-2xx | socket errors | rotations 201 | rotation time | new keys valid |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  echo "| ${TOTAL:-?} | ${RPS:-?} | $NON2XX | $SOCKET_ERRORS | $ROTATED of $ROTATE | $ROT_MS ms | $NEW_OK of $ROTATED |"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$THREADS -c$CONN -d${DUR}s, 2 authd instances, $ROTATE of $KEYS keys rotated (grace ${GRACE}s) during the run; command: bash benchmarks/rotation.sh$([ "$DUR" = 4 ] && echo ' --quick')"
} >"$SUMMARY"
echo
cat "$SUMMARY"

[ -n "${TOTAL:-}" ] && [ "$TOTAL" -gt 0 ] || die "wrk made no requests: $OUTPUT"
FAILED=0
[ "$NON2XX" = 0 ] || { log "FAIL: $NON2XX non-2xx answers while rotating"; FAILED=1; }
[ "$SOCKET_ERRORS" = 0 ] || { log "FAIL: $SOCKET_ERRORS socket errors while rotating"; FAILED=1; }
[ "$ROTATED" = "$ROTATE" ] || { log "FAIL: $((ROTATE - ROTATED)) rotations did not answer 201"; FAILED=1; }
[ "$NEW_OK" = "$ROTATED" ] || { log "FAIL: $((ROTATED - NEW_OK)) new keys do not verify"; FAILED=1; }
[ "$FAILED" = 0 ] && log "ok: no request lost while $ROTATED keys rotated"
exit "$FAILED"
