#!/usr/bin/env bash
# The run command (scripts/run.sh) from a checkout inside a 0700 folder, where
# root usually works (/root): it must come up although PostgreSQL's user and
# nginx's workers cannot enter the checkout, without loosening that folder;
# the console (/console/) is served from its copy in the state folder, with its CSP;
# a 256 KiB signup through nginx answers 201, a guarded request leaves nginx's
# error log empty, and SIGINT to run.sh (Ctrl-C) ends every process it started.
#
# Copies this checkout's files (tracked and untracked, not ignored) next to a
# link to its node_modules, and reuses the test command's authd
# (AUTHD_NO_BUILD=1 with AUTHD_BUILD_DIR) instead of building again. Ports: the
# four after the test stack's twelve (NGINX_PORT of $AUTHD_TEST_STATE/stack.env + 12..15).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${AUTHD_BUILD_DIR:?AUTHD_BUILD_DIR must name the build folder holding authd/authd}"
[ -x "$BUILD/authd/authd" ] || { echo "FAIL: $BUILD/authd/authd is not built"; exit 1; }
: "${AUTHD_TEST_STATE:?AUTHD_TEST_STATE is unset: run this through scripts/test.sh}"
BASE="$(sed -n 's/^NGINX_PORT=//p' "$AUTHD_TEST_STATE/stack.env")"
BASE=$((BASE + 12))
NGINX=$BASE

fail() { echo "FAIL: $*"; exit 1; }

PRIVATE="$(mktemp -d /tmp/authd-private.XXXXXX)"
chmod 700 "$PRIVATE"
CHECKOUT="$PRIVATE/authd"
LOG="$(mktemp /tmp/authd-private-run.XXXXXX)"
RUN_PID=""
STATE=""

cleanup() {
  local rc=$?
  if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
    kill -TERM "$RUN_PID" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -n "$STATE" ] && [ -f "$STATE/stack.env" ]; then
    bash "$CHECKOUT/scripts/stack.sh" down "$STATE" >/dev/null 2>&1 || true
  fi
  if [ $rc -ne 0 ]; then
    echo "---- run.sh's output"
    cat "$LOG"
    [ -n "$STATE" ] && tail -n 20 "$STATE/run/authd1.log" "$STATE/run/nginx/logs/error.log" 2>/dev/null
  fi
  # The state folder the run made outside the checkout (root: /var/lib/authd-<hash>).
  case "$STATE" in /var/lib/authd-*) rm -rf "$STATE" ;; esac
  rm -rf "$PRIVATE" "$LOG"
  exit $rc
}
trap cleanup EXIT

# ---- A fresh checkout in a private folder -------------------------------------
mkdir "$CHECKOUT"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -x -C "$CHECKOUT"
[ -f "$CHECKOUT/scripts/run.sh" ] || fail "copying the checkout failed"
[ -d "$SRC/node_modules" ] && ln -s "$SRC/node_modules" "$CHECKOUT/node_modules"

# Job control: run.sh gets its own process group and keeps SIGINT (a background
# job of a script would otherwise start with SIGINT ignored).
set -m
(cd "$CHECKOUT" && exec env NGINX_PORT="$NGINX" PORT=$((BASE + 1)) DB_PORT=$((BASE + 2)) REDIS_PORT=$((BASE + 3)) \
  AUTHD_NO_BUILD=1 AUTHD_BUILD_DIR="$BUILD" bash scripts/run.sh) >"$LOG" 2>&1 &
RUN_PID=$!
set +m

for _ in $(seq 1200); do
  grep -q '^authd is up' "$LOG" && break
  kill -0 "$RUN_PID" 2>/dev/null || fail "run.sh exited before printing its URLs"
  sleep 0.1
done
grep -q '^authd is up' "$LOG" || fail "run.sh printed no URLs within 120 s"

# ---- Where it keeps its state: said in the printed URLs -----------------------
STATE="$(sed -n 's/^  data: *\(.*\) (kept between runs)$/\1/p' "$LOG")"
[ -n "$STATE" ] && [ -d "$STATE" ] || fail "no data folder in the printed URLs"
[ "$(stat -c %a "$PRIVATE")" = 700 ] || fail "the private folder's mode changed to $(stat -c %a "$PRIVATE")"
if [ "$(id -u)" -eq 0 ]; then
  case "$STATE" in "$PRIVATE"/*) fail "as root, the state $STATE is inside the private folder" ;; esac
  runuser -u postgres -- test -x "$STATE" || fail "postgres cannot reach $STATE"
  runuser -u nobody -- test -x "$STATE/run/nginx/tmp" || fail "nobody cannot reach $STATE/run/nginx/tmp"
fi
grep -q "http://127.0.0.1:$NGINX/api/docs" "$LOG" || fail "no Swagger UI URL on port $NGINX"
grep -q "http://127.0.0.1:$NGINX/console/" "$LOG" || fail "no console URL on port $NGINX"

# ---- The console: nginx's workers read its copy, not the private checkout -------
for path in /console/ /console/js/main.js /console/vendor/uplot/uPlot.esm.js /console/vendor/uplot/uPlot.min.css; do
  HEADERS="$(curl -sS -o /dev/null -D - "http://127.0.0.1:$NGINX$path" | tr -d '\r')"
  printf '%s\n' "$HEADERS" | grep -q '^HTTP/1.1 200' || fail "GET $path answered: $(printf '%s' "$HEADERS" | head -1)"
  printf '%s\n' "$HEADERS" | grep -qi "^content-security-policy: default-src 'none'; script-src 'self';" ||
    fail "GET $path has no strict Content-Security-Policy"
done

# ---- A 256 KiB signup through nginx, then a guarded request --------------------
BODY="$PRIVATE/signup.json"
EMAIL="private-$(openssl rand -hex 6)@example.com"
{
  printf '{"email":"%s","password":"Password123!","name":"Private Checkout"' "$EMAIL"
  head -c $((256 * 1024)) /dev/zero | tr '\0' ' '
  printf '}'
} >"$BODY"
OUT="$PRIVATE/signup.out"
status="$(curl -sS -o "$OUT" -w '%{http_code}' -X POST "http://127.0.0.1:$NGINX/auth/signup" \
  -H 'Content-Type: application/json' --data-binary @"$BODY")"
[ "$status" = 201 ] || fail "256 KiB signup through nginx answered $status: $(head -c 300 "$OUT")"
JWT="$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' "$OUT")"
[ -n "$JWT" ] || fail "no accessToken in $(head -c 300 "$OUT")"
status="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX/protected/user-only" \
  -H "Authorization: Bearer $JWT")"
[ "$status" = 200 ] || fail "guarded /protected/user-only with the JWT answered $status"
# The fresh .env signs with ES256: a 0600 P-256 key in the data folder, its kid in the token, its public key
# at /.well-known/jwks.json through nginx.
KEY_FILE="$(sed -n 's/^JWT_PRIVATE_KEY_FILE=//p' "$CHECKOUT/.env")"
grep -qx 'JWT_ALGORITHM=ES256' "$CHECKOUT/.env" || fail "the fresh .env does not set JWT_ALGORITHM=ES256"
[ "$(stat -c %a "$KEY_FILE")" = 600 ] || fail "$KEY_FILE is mode $(stat -c %a "$KEY_FILE"), not 600"
HEADER="$(printf '%s' "${JWT%%.*}" | tr '_-' '/+' | base64 -d 2>/dev/null || true)"
case "$HEADER" in *'"alg":"ES256"'*'"kid":'*) ;; *) fail "the access token's header is $HEADER" ;; esac
curl -sS "http://127.0.0.1:$NGINX/.well-known/jwks.json" | grep -q '"alg":"ES256"' ||
  fail "/.well-known/jwks.json through nginx does not list the ES256 key"
status="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX/protected/user-only")"
[ "$status" = 401 ] || fail "guarded /protected/user-only without credentials answered $status"
# The run command does not set WEBHOOK_ALLOW_PRIVATE (only the test stack does): a loopback webhook is refused.
status="$(curl -sS -o "$OUT" -w '%{http_code}' "http://127.0.0.1:$NGINX/webhooks" -H "Authorization: Bearer $JWT" \
  -H 'Content-Type: application/json' --data '{"url":"http://127.0.0.1:9/hook"}')"
[ "$status" = 400 ] && grep -q '"code":"url_not_allowed"' "$OUT" ||
  fail "a loopback webhook URL under the run command answered $status: $(head -c 300 "$OUT")"

# nginx notes (at warn) that it buffered the large body to a temp file; nothing else may be there.
ERRORS="$(grep -v '\[warn\] .*a client request body is buffered to a temporary file' \
  "$STATE/run/nginx/logs/error.log" || true)"
[ -z "$ERRORS" ] || fail "nginx's error log is not empty: $ERRORS"

# ---- Ctrl-C: every process the run started ends --------------------------------
descendants() {  # PIDs of $1 and everything below it
  local pid="$1" child
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do descendants "$child"; done
}
PIDS=""
for f in "$STATE/run/authd1.pid" "$STATE/run/nginx/nginx.pid" "$STATE/redis/redis.pid"; do
  [ -f "$f" ] || fail "$f is missing"
  PIDS+=" $(descendants "$(cat "$f")")"
done
PG="$(head -1 "$STATE/postgres/data/postmaster.pid")"
PIDS+=" $(descendants "$PG") $(descendants "$RUN_PID")"
[ "$(echo "$PIDS" | wc -w)" -ge 6 ] || fail "found too few processes: $PIDS"

kill -INT "$RUN_PID"
rc=""
for _ in $(seq 600); do
  if ! kill -0 "$RUN_PID" 2>/dev/null; then
    wait "$RUN_PID" && rc=0 || rc=$?
    break
  fi
  sleep 0.1
done
[ -n "$rc" ] || fail "run.sh still runs 60 s after SIGINT"
[ "$rc" = 0 ] || fail "run.sh exited $rc after SIGINT"
RUN_PID=""
# A zombie has ended (only not yet reaped: a container's PID 1 may never reap).
alive() { local st; st="$(ps -o stat= -p "$1" 2>/dev/null)" && [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
left=""
for pid in $PIDS; do alive "$pid" && left+=" $(ps -o pid=,ppid=,args= -p "$pid")"; done
[ -z "$left" ] || fail "still running after run.sh stopped:$left"
echo "PASS: run.sh from a 0700 folder came up with its state in $STATE, took a 256 KiB signup, stopped cleanly"
