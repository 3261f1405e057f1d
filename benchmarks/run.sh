#!/usr/bin/env bash
# Every scenario of shared/PERF.md in one run, against the `bare` and `stub`
# references, on a stack of its own (ports 24080+, throwaway data).
#
#   bash benchmarks/run.sh            full: 3 interleaved rounds of 10 s, 1M-key scale, 100k lastUsedAt flush
#   bash benchmarks/run.sh --quick    smoke: 1 round of 3 s, no 1M-key seeding, 10k lastUsedAt keys
#
# Prints one table (req/s, p50, p99, non-2xx share, ratio to stub, bare and
# pistache, CPU µs per request of authd and of nginx; medians over rounds), the
# feature ratios (limits, credits, usage counting on/off) and the lastUsedAt +
# usage flush, and writes them with the raw numbers and a chart to
# benchmarks/results/. Environment: AUTHD_BENCH_PORT_BASE (24080),
# BENCH_CONNECTIONS (64), BENCH_THREADS (2), AUTHD_BENCH_TARGETS (what to build),
# BENCH_LASTUSED_KEYS (keys of the lastused scenario: 100,000 full, 10,000 quick).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STACK="$ROOT/scripts/stack.sh"
BUILD_DIR="${AUTHD_BUILD_DIR:-$ROOT/build}"

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ "$QUICK" = 1 ]; then
  DUR=3s ROUNDS=1 SCALE_KEYS=0 LASTUSED_KEYS=10000
else
  DUR=10s ROUNDS=3 SCALE_KEYS=1000000 LASTUSED_KEYS=100000
fi
# The flush alone at full size in a quick run: BENCH_LASTUSED_KEYS=100000 bash benchmarks/run.sh --quick
LASTUSED_KEYS="${BENCH_LASTUSED_KEYS:-$LASTUSED_KEYS}"
CONN="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
BASE="${AUTHD_BENCH_PORT_BASE:-24080}"
OUT="$ROOT/benchmarks/results"
mkdir -p "$OUT"
RESULTS="$OUT/raw.tsv"
: >"$RESULTS"

log() { printf '[bench] %s\n' "$*" >&2; }

bash "$STACK" install
# Only what the run needs (the test binaries are not).
AUTHD_BUILD_TARGET="${AUTHD_BENCH_TARGETS:-authd bench_keygen bench_pistache_noop}" bash "$STACK" build
# gnuplot draws the chart; optional for the table itself.
command -v gnuplot >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || true; }

STATE="$(mktemp -d /tmp/authd-bench.XXXXXX)"
PISTACHE_PID=""
cleanup() {
  [ -n "$PISTACHE_PID" ] && kill "$PISTACHE_PID" 2>/dev/null
  # Instance 2 is started here, not by `up` (AUTHD_INSTANCES=1): `down` would not stop it.
  bash "$STACK" authd-stop "$STATE" 2 >/dev/null 2>&1 || true
  bash "$STACK" down "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$STACK" env "$STATE" bench "$BASE" 1
# No periodic lastUsedAt (and usage) flush during the run (the longest interval authd takes:
# a full run lasts more than 10 min): the lastused scenario measures the one flush a graceful
# stop makes of everything used.
printf 'LOGIN_MAX_FAILURES_PER_IP=1000000\nLAST_USED_FLUSH_MS=3600000\n' >>"$STATE/stack.env"
DB_PASSWORD="$(sed -n 's/^DB_PASSWORD=//p' "$STATE/stack.env")"
# Features measured off against on in the same run: instance 1 (nginx's `authd` upstream, every
# scenario) has them on; instance 2 (upstream `authd_second`, /bench/second/service-only, only
# apikey-nousage) is the same build and stack.env with these settings instead. They are passed
# in the environment (it overrides stack.env, which has none of them); an authd without the
# setting ignores it, and then apikey-nousage is an A/A check of the two instances.
# Instance 2 also signs access tokens with ES256 (a fresh P-256 key), for `jwt-es256` against `jwt`
# (instance 1, HS256); API keys do not touch the signing key, so apikey-nousage is unaffected.
ES256_KEY="$STATE/jwt-es256.pem"
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ES256_KEY")
FIRST_ENV=(USAGE_COUNTING=on)
SECOND_ENV=(USAGE_COUNTING=off JWT_ALGORITHM=ES256 JWT_PRIVATE_KEY_FILE="$ES256_KEY")
env "${FIRST_ENV[@]}" bash "$STACK" up "$STATE"
env "${SECOND_ENV[@]}" bash "$STACK" authd-start "$STATE" 2
NGINX="http://127.0.0.1:$BASE"
AUTHD="http://127.0.0.1:$((BASE + 1))"
# The do-nothing Pistache handler (references `pistache` and `noop`), with authd's I/O thread count.
PISTACHE="http://127.0.0.1:$((BASE + 8))"
"$BUILD_DIR/benchmarks/bench_pistache_noop" $((BASE + 8)) "$(sed -n 's/^HTTP_THREADS=//p' "$STATE/stack.env" | grep . || echo 2)" \
  >"$STATE/pistache.log" 2>&1 &
PISTACHE_PID=$!
AUTHD_PID="$(cat "$STATE/run/authd1.pid")"
REDIS_PID="$(cat "$STATE/redis/redis.pid")"
psql_authd() { PGPASSWORD="$DB_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $((BASE + 10)) -U authd -d authd_bench "$@"; }

# ---- seed -------------------------------------------------------------------
log "seeding"
EMAIL="bench@example.com" PASSWORD="Bench-password-1"
SIGNUP=$(curl -fsS -X POST "$NGINX/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}")
JWT=$(echo "$SIGNUP" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
USER_ID=$(echo "$SIGNUP" | sed -n 's/.*"user":{"id":"\([^"]*\)".*/\1/p')
# The same user's ES256 token, from instance 2 (jwt-es256).
JWT_ES256=$(curl -fsS -X POST "http://127.0.0.1:$((BASE + 2))/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[ -n "$JWT_ES256" ] || { log "error: no ES256 access token from instance 2"; exit 1; }
KEYGEN="$BUILD_DIR/benchmarks/bench_keygen"
# load_keys FILE NAME [COLUMNS VALUES]: COPY the key hashes of FILE into api_keys for the bench
# user; COLUMNS ("a, b") get VALUES (tab-separated) on every row.
load_keys() {
  local cols="user_id, name, key_hash, prefix" extra=""
  if [ -n "${3:-}" ]; then cols+=", $3" extra="\t$4"; fi
  cut -f2,3 "$1" | sed "s/^/$USER_ID\t$2\t/; s/\$/$extra/" |
    psql_authd -c "\\copy api_keys ($cols) FROM STDIN"
}
"$KEYGEN" 100 >"$STATE/keys100.tsv"
"$KEYGEN" 100 >"$STATE/keysLimited.tsv"
"$KEYGEN" 100 >"$STATE/keysCredits.tsv"
"$KEYGEN" 10000 >"$STATE/keys10k.tsv"
"$KEYGEN" 20000 >"$STATE/badkeys.tsv"  # well-formed, never stored
# A wrong checksum: the last hex digit changed.
awk -F'\t' '{ k=$1; c=substr(k,67,1); n=(c=="0")?"1":"0"; print substr(k,1,66) n }' "$STATE/badkeys.tsv" >"$STATE/badsum.txt"
load_keys "$STATE/keys100.tsv" bench-hot
load_keys "$STATE/keys10k.tsv" bench-tail
# apikey-limited: a limit no run reaches (2e9 per minute), so every request pays the limiter's
# Redis round trip and none is refused.
load_keys "$STATE/keysLimited.tsv" bench-limited "rate_limit, rate_window_seconds" "2000000000\t60"
# apikey-credits: more credits than any run spends, no refill; a grant version (µs, as a grant
# through the API sets it) makes authd seed Redis's balance from credits_remaining.
load_keys "$STATE/keysCredits.tsv" bench-credits "credits_remaining, credits_version" \
  "1000000000000\t$(date +%s%6N)"
sleep 2  # the change poll announces the new keys to the key filter

# ---- CPU per request -------------------------------------------------------------
# utime + stime of a process (fields 14 and 15 of /proc/PID/stat, every thread included), in
# clock ticks, sampled before and after each wrk round.
CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() {  # cpu_ticks PID...: their utime + stime summed (a process gone counts 0)
  local p sum=0 t
  for p in "$@"; do
    # The command name (field 2) may hold spaces: count the fields after its closing ')'.
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || true
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}
authd_pids() { cat "$STATE"/run/authd[0-9]*.pid 2>/dev/null || true; }  # every instance
nginx_pids() {  # the master and its workers
  local master
  master="$(cat "$STATE/run/nginx/nginx.pid")"
  echo "$master"
  ps -o pid= --ppid "$master" || true
}
# The auth server whose CPU a scenario's "authd" column shows: the do-nothing Pistache handler
# for its own two references, every authd instance otherwise.
server_pids() {
  case "$1" in
    pistache | noop) echo "$PISTACHE_PID" ;;
    *) authd_pids ;;
  esac
}
per_request_us() {  # per_request_us TICKS REQUESTS
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }'
}

# ---- wrk --------------------------------------------------------------------
to_ms() {  # "1.23ms" | "456.00us" | "1.02s" → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
# raw.tsv columns: scenario, round, req/s, p50 ms, p99 ms, requests, non-2xx, then per request:
# authd CPU µs, nginx CPU µs, Redis CPU µs, then the clock ticks of each over the round.
run_wrk() {  # run_wrk SCENARIO ROUND URL [wrk args...]: appends one TSV row
  local name="$1" round="$2" url="$3"
  shift 3
  local out servers nginxes s0 n0 r0 s1 n1 r1
  servers=$(server_pids "$name")
  nginxes=$(nginx_pids)
  # shellcheck disable=SC2086 # lists of PIDs
  s0=$(cpu_ticks $servers) n0=$(cpu_ticks $nginxes) r0=$(cpu_ticks "$REDIS_PID")
  out=$(wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H 'Connection: keep-alive' "$@" "$url" 2>&1)
  # shellcheck disable=SC2086
  s1=$(cpu_ticks $servers) n1=$(cpu_ticks $nginxes) r1=$(cpu_ticks "$REDIS_PID")
  local rps p50 p99 total non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  total=$(echo "$out" | awk '/requests in/ { print $1 }')
  non2xx=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
  non2xx=${non2xx:-0}
  local ds=$((s1 - s0)) dn=$((n1 - n0)) dr=$((r1 - r0)) aus nus rus
  aus=$(per_request_us "$ds" "${total:-0}") nus=$(per_request_us "$dn" "${total:-0}") rus=$(per_request_us "$dr" "${total:-0}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$total" "$non2xx" \
    "$aus" "$nus" "$rus" "$ds" "$dn" "$dr" >>"$RESULTS"
  log "$(printf '%-14s round %s: %10s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s/%s  CPU µs/req authd %s nginx %s' \
    "$name" "$round" "$rps" "$p50" "$p99" "$non2xx" "$total" "$aus" "$nus")"
}
W="$ROOT/benchmarks/wrk"
scenario() {  # scenario NAME ROUND
  case "$1" in
    bare) run_wrk bare "$2" "$NGINX/bare" ;;
    # The references behind auth_request get the same requests as apikey (wrk and nginx
    # pay for the x-api-key header there too); only `bare` is the static ceiling.
    stub) BENCH_KEYS="$STATE/keys100.tsv" run_wrk stub "$2" "$NGINX/stub" -s "$W/keys.lua" ;;
    # The floor for apikey on this design: a do-nothing Pistache handler.
    pistache) BENCH_KEYS="$STATE/keys100.tsv" run_wrk pistache "$2" "$NGINX/pistache" -s "$W/keys.lua" ;;
    apikey) BENCH_KEYS="$STATE/keys100.tsv" run_wrk apikey "$2" "$NGINX/protected/service-only" -s "$W/keys.lua" ;;
    # apikey on authd instance 2 (SECOND_ENV: usage counting off), through a copy of the same guard.
    apikey-nousage) BENCH_KEYS="$STATE/keys100.tsv" run_wrk apikey-nousage "$2" "$NGINX/bench/second/service-only" -s "$W/keys.lua" ;;
    apikey-limited) BENCH_KEYS="$STATE/keysLimited.tsv" run_wrk apikey-limited "$2" "$NGINX/protected/service-only" -s "$W/keys.lua" ;;
    apikey-credits) BENCH_KEYS="$STATE/keysCredits.tsv" run_wrk apikey-credits "$2" "$NGINX/protected/service-only" -s "$W/keys.lua" ;;
    jwt) run_wrk jwt "$2" "$NGINX/protected/user-only" -H "Authorization: Bearer $JWT" ;;
    # jwt with an ES256 token, guarded by instance 2 (JWT_ALGORITHM=ES256): the verified-token cache keeps
    # the signature check off the hot path, so this should read like jwt.
    jwt-es256) run_wrk jwt-es256 "$2" "$NGINX/bench/second/user-only" -H "Authorization: Bearer $JWT_ES256" ;;
    flexible) BENCH_KEYS="$STATE/keys100.tsv" BENCH_JWT="$JWT" run_wrk flexible "$2" "$NGINX/protected/flexible" -s "$W/flexible.lua" ;;
    badkey) BENCH_KEYS="$STATE/badkeys.tsv" run_wrk badkey "$2" "$NGINX/protected/service-only" -s "$W/keys.lua" ;;
    badsum) BENCH_KEYS="$STATE/badsum.txt" run_wrk badsum "$2" "$NGINX/protected/service-only" -s "$W/keys.lua" ;;
    verify) BENCH_KEYS="$STATE/keys100.tsv" run_wrk verify "$2" "$AUTHD/verify?mode=apikey" -s "$W/keys.lua" ;;
    # The "Pistache handler that does nothing" reference for verify, sent the same requests.
    noop) BENCH_KEYS="$STATE/keys100.tsv" run_wrk noop "$2" "$PISTACHE/verify?mode=apikey" -s "$W/keys.lua" ;;
  esac
}

key_lookups() {  # executions of the key lookup statement so far
  psql_authd -tAc "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%FROM api_keys WHERE key_hash%'"
}

log "warming up"
for s in apikey apikey-nousage apikey-limited apikey-credits jwt jwt-es256; do DUR=2s scenario "$s" 0 >/dev/null 2>&1; done
: >"$RESULTS"

LOOKUPS_BEFORE=0 LOOKUPS_DURING=0
for ((r = 1; r <= ROUNDS; r++)); do
  # apikey and apikey-nousage back to back, in turn first: what drifts on the machine between
  # the two halves of a pair falls on each side equally often.
  if ((r % 2)); then PAIR="apikey apikey-nousage"; else PAIR="apikey-nousage apikey"; fi
  for s in bare stub pistache $PAIR apikey-limited apikey-credits jwt jwt-es256 flexible badkey badsum verify noop; do
    if [ "$s" = badkey ]; then LOOKUPS_BEFORE=$(key_lookups); fi
    scenario "$s" "$r"
    if [ "$s" = badsum ]; then LOOKUPS_DURING=$((LOOKUPS_DURING + $(key_lookups) - LOOKUPS_BEFORE)); fi
  done
done

# ---- login, and apikey under a login flood ------------------------------------
log "login (8 connections)"
for ((r = 1; r <= ROUNDS; r++)); do
  CONN=8 BENCH_EMAIL="$EMAIL" BENCH_PASSWORD="$PASSWORD" run_wrk login "$r" "$NGINX" -s "$W/login.lua"
done
log "apikey under a login flood"
for ((r = 1; r <= ROUNDS; r++)); do
  BENCH_EMAIL="$EMAIL" BENCH_PASSWORD="$PASSWORD" wrk -t1 -c8 -d"$DUR" -s "$W/login.lua" "$NGINX" >/dev/null 2>&1 &
  FLOOD=$!
  BENCH_KEYS="$STATE/keys100.tsv" run_wrk apikey+login "$r" "$NGINX/protected/service-only" -s "$W/keys.lua"
  wait "$FLOOD" || true
done

# ---- lastUsedAt: every key of a large set used within one flush interval ------
log "lastUsedAt flush: $LASTUSED_KEYS distinct keys"
"$KEYGEN" "$LASTUSED_KEYS" >"$STATE/keysLU.tsv"
load_keys "$STATE/keysLU.tsv" bench-lastused
sleep 2
LU_START=$(date +%s)
# Long enough to use every key once (cold keys: each first use is a cache miss).
LU_RPS_DUR=$(( LASTUSED_KEYS / 4000 + 5 ))s
BENCH_KEYS="$STATE/keysLU.tsv" BENCH_THREADS="$THREADS" DUR="$LU_RPS_DUR" run_wrk lastused 1 "$AUTHD/verify?mode=apikey" -s "$W/sequential_keys.lua"
LU_REQUESTS=$(awk -F'\t' '$1 == "lastused" { n = $6 } END { print n + 0 }' "$RESULTS")
# A graceful stop pushes what is buffered and flushes it all in one go; that flush is the figure.
# Its usage part (the usage tracker, a FlushJob the same tracker flush runs first) and its
# lastUsedAt part are read from the lines the stop logs, and the usage statements' time from
# pg_stat_statements around it.
usage_statements() {  # "calls ms" of the statements on key_usage and usage_flushes so far
  psql_authd -tAc "SELECT coalesce(sum(calls), 0) || ' ' || round(coalesce(sum(total_exec_time), 0)::numeric)
                   FROM pg_stat_statements WHERE query ILIKE '%key_usage%' OR query ILIKE '%usage_flushes%'"
}
read -r US_CALLS0 US_MS0 <<<"$(usage_statements)"
LOG1="$STATE/run/authd1.log"
LOG_MARK=$(wc -l <"$LOG1")
bash "$STACK" authd-stop "$STATE" 1
STOP_LOG=$(tail -n +"$((LOG_MARK + 1))" "$LOG1")
read -r US_CALLS1 US_MS1 <<<"$(usage_statements)"
LU_ROWS=$(psql_authd -tAc "SELECT count(*) FROM api_keys WHERE name = 'bench-lastused' AND last_used_at >= to_timestamp($LU_START)")
LU_FLUSH=$(echo "$STOP_LOG" | grep -ao 'flushed [0-9]* keys to PostgreSQL in [0-9]* ms ([0-9]* batches)' | tail -1 || true)
LU_FLUSH_MS=$(echo "$LU_FLUSH" | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
# lastUsedAt and the usage and credits jobs run side by side: the whole flush is as long as the longest.
FLUSH_MS=$(echo "$STOP_LOG" | grep -ao 'the whole flush took [0-9]* ms' | tail -1 | sed -n 's/.* took \([0-9]*\) ms/\1/p' || true)
# The usage tracker's line, whatever its exact words, as long as it says "usage: flushed ... in N ms".
USAGE_FLUSH=$(echo "$STOP_LOG" | grep -ao 'usage: flushed .* in [0-9]* ms[^"]*' | tail -1 || true)
USAGE_FLUSH_MS=$(echo "$USAGE_FLUSH" | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
log_ms() {  # log_ms ERE: the unix ms time stamp of the first stop-log line matching ERE (text log format)
  local ts
  ts=$(echo "$STOP_LOG" | grep -aE -m1 "$1" | awk '{ print $1 }') || true
  if [ -n "$ts" ]; then date -d "$ts" +%s%3N 2>/dev/null || true; fi
}
STOP_T0=$(log_ms ' received SIGTERM, stopping$') STOP_T1=$(log_ms ' stopped$')
STOP_MS=""
[ -n "$STOP_T0" ] && [ -n "$STOP_T1" ] && STOP_MS=$((STOP_T1 - STOP_T0))
# Usage rows of the lastused keys, and the requests they count (every outcome).
read -r USAGE_KEYS USAGE_ROWS USAGE_COUNTED <<<"$(psql_authd -tAc "
  SELECT count(DISTINCT u.key_id) || ' ' || count(*) || ' ' ||
         coalesce(sum(u.valid + u.rate_limited + u.usage_exceeded + u.disabled + u.expired + u.revoked + u.other), 0)
  FROM key_usage u JOIN api_keys k ON k.id = u.key_id WHERE k.name = 'bench-lastused'")"
USAGE_ALL_ROWS=$(psql_authd -tAc "SELECT count(*) FROM key_usage")
env "${FIRST_ENV[@]}" bash "$STACK" authd-start "$STATE" 1
AUTHD_PID="$(cat "$STATE/run/authd1.pid")"

# ---- scale: 1,000,000 keys in PostgreSQL ------------------------------------------
SCALE_LINE="skipped (--quick)"
if [ "$SCALE_KEYS" -gt 0 ]; then
  log "scale: seeding $SCALE_KEYS keys with SQL"
  psql_authd -c "INSERT INTO api_keys (user_id, name, key_hash, prefix)
                 SELECT '$USER_ID', 'bench-filler', encode(sha256(('filler-' || g)::text::bytea), 'hex'), 'sk_filler'
                 FROM generate_series(1, $SCALE_KEYS) g"
  # Settle what a million-row insert leaves behind (autovacuum, statistics) before measuring.
  psql_authd -c "VACUUM (ANALYZE) api_keys"
  bash "$STACK" pg-admin "$STATE" -c "CHECKPOINT"  # the insert's dirty pages written now, not during the rounds
  # The change poll sees a bulk change: caches dropped, key filter reloaded.
  for _ in $(seq 60); do grep -aq "bulk change" "$STATE/run/authd1.log" && break; sleep 1; done
  sleep 3
  # Warm caches, as for apikey: every key of the working set used once, then the mix.
  DUR=2s BENCH_KEYS="$STATE/keys10k.tsv" run_wrk warm 0 "$NGINX/protected/service-only" -s "$W/sequential_keys.lua" >/dev/null 2>&1 || true
  DUR=3s BENCH_KEYS="$STATE/keys10k.tsv" BENCH_HOT=100 BENCH_HOT_SHARE=90 scenario apikey 0 >/dev/null 2>&1 || true
  for ((r = 1; r <= ROUNDS; r++)); do
    BENCH_KEYS="$STATE/keys10k.tsv" BENCH_HOT=100 BENCH_HOT_SHARE=90 \
      run_wrk scale-1M "$r" "$NGINX/protected/service-only" -s "$W/keys.lua"
  done
  RSS_KB=$(awk '/VmRSS/ { print $2 }' "/proc/$AUTHD_PID/status")
  SCALE_LINE="authd RSS $((RSS_KB / 1024)) MiB with $(psql_authd -tAc 'SELECT count(*) FROM api_keys') keys in PostgreSQL"
fi

# ---- table ------------------------------------------------------------------------
TABLE="$OUT/latest.md"
awk -F'\t' -v rounds="$ROUNDS" '
  function median(arr, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j-1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j-1]; arr[j-1] = t }
    return (n % 2) ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2
  }
  $2 > 0 {
    if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 }
    n = ++cnt[$1]; rps[$1, n] = $3; p50[$1, n] = $4; p99[$1, n] = $5; tot[$1] += $6; bad[$1] += $7
    aus[$1, n] = $8; nus[$1, n] = $9; rus[$1, n] = $10
  }
  # ratio A B: how much of B the scenario A keeps, in req/s ("-" when either is missing).
  function ratio(x, y) { return (x > 0 && y > 0) ? sprintf("%.2f", x / y) : "-" }
  END {
    for (i = 1; i <= k; i++) {
      s = order[i]; n = cnt[s]
      for (j = 1; j <= n; j++) { a[j] = rps[s, j] } ; mr[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = p50[s, j] } ; m50[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = p99[s, j] } ; m99[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = aus[s, j] } ; mau[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = nus[s, j] } ; mnu[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = rus[s, j] } ; mru[s] = median(a, n)
    }
    print "| scenario | req/s | p50 ms | p99 ms | non-2xx | × stub | × bare | × pistache | authd µs | nginx µs |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= k; i++) {
      s = order[i]
      printf "| %s | %.0f | %.3f | %.3f | %.1f%% | %.2f | %.2f | %.2f | %.1f | %.1f |\n", s, mr[s], m50[s], m99[s], 100 * bad[s] / (tot[s] ? tot[s] : 1), mr[s] / mr["stub"], mr[s] / mr["bare"], mr[s] / mr["pistache"], mau[s], mnu[s]
    }
    print ""
    print "- authd µs, nginx µs: CPU time (user + system) per request of every authd instance and of nginx (master and workers) over each round, median of rounds; for pistache and noop the first is the do-nothing handler"
    if (mr["noop"] > 0) printf "- verify (authd alone) = %.2f × noop (a do-nothing Pistache handler, same requests)\n", mr["verify"] / mr["noop"]
    # A feature costs: req/s kept (on / off), and CPU kept: the CPU per request without it over
    # the CPU per request with it (1.00 = free; both figures read "higher is better").
    if ("apikey-nousage" in mr)
      printf "- usage counting on vs off (apikey / apikey-nousage; target ≥ 0.95): req/s %s × (%.0f vs %.0f); CPU %s × for authd + nginx, %s × for authd alone (authd %.1f vs %.1f µs per request, nginx %.1f vs %.1f)\n", ratio(mr["apikey"], mr["apikey-nousage"]), mr["apikey"], mr["apikey-nousage"], ratio(mau["apikey-nousage"] + mnu["apikey-nousage"], mau["apikey"] + mnu["apikey"]), ratio(mau["apikey-nousage"], mau["apikey"]), mau["apikey"], mau["apikey-nousage"], mnu["apikey"], mnu["apikey-nousage"]
    split("apikey-limited apikey-credits", feat, " ")
    for (f = 1; f in feat; f++) {
      s = feat[f]
      if (s in mr)
        printf "- %s / apikey (target ≥ 0.80): req/s %s × (%.0f vs %.0f); CPU %s × for authd + nginx, %s × for authd alone (authd %.1f vs %.1f µs per request); Redis %.1f vs %.1f µs per request\n", s, ratio(mr[s], mr["apikey"]), mr[s], mr["apikey"], ratio(mau["apikey"] + mnu["apikey"], mau[s] + mnu[s]), ratio(mau["apikey"], mau[s]), mau[s], mau["apikey"], mru[s], mru["apikey"]
    }
  }' "$RESULTS" >"$TABLE"
{
  echo
  echo "- key lookups in PostgreSQL during the badkey and badsum floods: $LOOKUPS_DURING"
  echo "- lastUsedAt: $LU_ROWS of $LASTUSED_KEYS keys reached PostgreSQL; the stop's flush: ${LU_FLUSH:-none seen}"
  echo "- usage: $USAGE_KEYS of $LASTUSED_KEYS keys have rows in key_usage ($USAGE_ROWS rows, counting $USAGE_COUNTED requests; wrk saw $LU_REQUESTS answers); $USAGE_ALL_ROWS rows in key_usage in all; the stop's flush: ${USAGE_FLUSH:-no usage flush line in the log}; usage statements in PostgreSQL during the stop: $((US_CALLS1 - US_CALLS0)) calls, $((US_MS1 - US_MS0)) ms"
  if [ -n "$FLUSH_MS" ]; then
    echo "- one flush, lastUsedAt and usage side by side (target < 2 s): $FLUSH_MS ms (lastUsedAt ${LU_FLUSH_MS:-?} ms, usage ${USAGE_FLUSH_MS:-?} ms); the whole graceful stop (SIGTERM to stopped): ${STOP_MS:-?} ms"
  else
    echo "- one flush, lastUsedAt and usage (target < 2 s): no whole-flush line in the log; ${LU_FLUSH_MS:-?} ms of lastUsedAt, ${USAGE_FLUSH_MS:-?} ms of usage; the whole graceful stop (SIGTERM to stopped, an upper bound): ${STOP_MS:-?} ms"
  fi
  echo "- scale: $SCALE_LINE"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), wrk -t$THREADS -c$CONN -d$DUR, $ROUNDS round(s), medians; command: bash benchmarks/run.sh$([ "$QUICK" = 1 ] && echo ' --quick')"
} >>"$TABLE"

if command -v gnuplot >/dev/null; then
  awk -F'|' 'NR > 2 && $2 != "" { gsub(/ /, "", $2); gsub(/ /, "", $3); if ($2 != "") print $2, $3 }' "$TABLE" |
    grep -v '^-' >"$OUT/chart.dat" || true
  STUB_RPS=$(awk '$1 == "stub" { print $2 }' "$OUT/chart.dat")
  BARE_RPS=$(awk '$1 == "bare" { print $2 }' "$OUT/chart.dat")
  PISTACHE_RPS=$(awk '$1 == "pistache" { print $2 }' "$OUT/chart.dat")
  gnuplot <<GP || log "gnuplot failed; no chart"
set terminal pngcairo size 1000,500 noenhanced
set output "$OUT/chart.png"
set style fill solid 0.6
set boxwidth 0.7
set ylabel "req/s (median)"
set title "authd scenarios vs the bare and stub references"
set xtics rotate by -30
set yrange [0:*]
plot "$OUT/chart.dat" using 0:2:xtic(1) with boxes title "req/s", \
     $STUB_RPS with lines lw 2 title "stub", \
     $PISTACHE_RPS with lines lw 2 dt 3 title "pistache (do-nothing handler)", \
     $BARE_RPS with lines lw 2 dt 2 title "bare"
GP
fi
echo
cat "$TABLE"
