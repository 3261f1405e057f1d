#!/usr/bin/env bash
# Every scenario of shared/PERF.md in one run, against the `bare` and `stub`
# references, on a stack of its own (ports 24080+, throwaway data).
#
#   bash benchmarks/run.sh            full: 3 interleaved rounds of 10 s, 1M-key scale, 100k lastUsedAt flush
#   bash benchmarks/run.sh --quick    smoke: 1 round of 3 s, no 1M-key seeding, 10k lastUsedAt keys
#
# Prints one table (req/s, p50, p99, non-2xx share, ratio to stub and to bare;
# medians over rounds) and writes it with the raw numbers and a chart to
# benchmarks/results/. Environment: AUTHD_BENCH_PORT_BASE (24080),
# BENCH_CONNECTIONS (64), BENCH_THREADS (2).
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
CONN="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
BASE="${AUTHD_BENCH_PORT_BASE:-24080}"
OUT="$ROOT/benchmarks/results"
mkdir -p "$OUT"
RESULTS="$OUT/raw.tsv"
: >"$RESULTS"

log() { printf '[bench] %s\n' "$*" >&2; }

bash "$STACK" install
AUTHD_BUILD_TARGET= bash "$STACK" build
# gnuplot draws the chart; optional for the table itself.
command -v gnuplot >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || true; }

STATE="$(mktemp -d /tmp/authd-bench.XXXXXX)"
PISTACHE_PID=""
cleanup() {
  [ -n "$PISTACHE_PID" ] && kill "$PISTACHE_PID" 2>/dev/null
  bash "$STACK" down "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$STACK" env "$STATE" bench "$BASE" 1
# No periodic lastUsedAt flush during the run: the lastused scenario measures the one flush a
# graceful stop makes of everything used.
printf 'LOGIN_MAX_FAILURES_PER_IP=1000000\nLAST_USED_FLUSH_MS=600000\n' >>"$STATE/stack.env"
DB_PASSWORD="$(sed -n 's/^DB_PASSWORD=//p' "$STATE/stack.env")"
bash "$STACK" up "$STATE"
NGINX="http://127.0.0.1:$BASE"
AUTHD="http://127.0.0.1:$((BASE + 1))"
# The do-nothing Pistache handler (references `pistache` and `noop`), with authd's I/O thread count.
PISTACHE="http://127.0.0.1:$((BASE + 8))"
"$BUILD_DIR/benchmarks/bench_pistache_noop" $((BASE + 8)) "$(sed -n 's/^HTTP_THREADS=//p' "$STATE/stack.env" | grep . || echo 2)" \
  >"$STATE/pistache.log" 2>&1 &
PISTACHE_PID=$!
AUTHD_PID="$(cat "$STATE/run/authd1.pid")"
psql_authd() { PGPASSWORD="$DB_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $((BASE + 10)) -U authd -d authd_bench "$@"; }

# ---- seed -------------------------------------------------------------------
log "seeding"
EMAIL="bench@example.com" PASSWORD="Bench-password-1"
SIGNUP=$(curl -fsS -X POST "$NGINX/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"Bench\"}")
JWT=$(echo "$SIGNUP" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
USER_ID=$(echo "$SIGNUP" | sed -n 's/.*"user":{"id":"\([^"]*\)".*/\1/p')
KEYGEN="$BUILD_DIR/benchmarks/bench_keygen"
load_keys() {  # load_keys FILE NAME: COPY key hashes of FILE into api_keys for the bench user
  cut -f2,3 "$1" | sed "s/^/$USER_ID\t$2\t/" |
    psql_authd -c "\\copy api_keys (user_id, name, key_hash, prefix) FROM STDIN"
}
"$KEYGEN" 100 >"$STATE/keys100.tsv"
"$KEYGEN" 10000 >"$STATE/keys10k.tsv"
"$KEYGEN" 20000 >"$STATE/badkeys.tsv"  # well-formed, never stored
# A wrong checksum: the last hex digit changed.
awk -F'\t' '{ k=$1; c=substr(k,67,1); n=(c=="0")?"1":"0"; print substr(k,1,66) n }' "$STATE/badkeys.tsv" >"$STATE/badsum.txt"
load_keys "$STATE/keys100.tsv" bench-hot
load_keys "$STATE/keys10k.tsv" bench-tail
sleep 2  # the change poll announces the new keys to the key filter

# ---- wrk --------------------------------------------------------------------
to_ms() {  # "1.23ms" | "456.00us" | "1.02s" → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
run_wrk() {  # run_wrk SCENARIO ROUND URL [wrk args...]: appends one TSV row
  local name="$1" round="$2" url="$3"
  shift 3
  local out
  out=$(wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H 'Connection: keep-alive' "$@" "$url" 2>&1)
  local rps p50 p99 total non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  total=$(echo "$out" | awk '/requests in/ { print $1 }')
  non2xx=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
  non2xx=${non2xx:-0}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$total" "$non2xx" >>"$RESULTS"
  log "$(printf '%-10s round %s: %10s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s/%s' "$name" "$round" "$rps" "$p50" "$p99" "$non2xx" "$total")"
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
    jwt) run_wrk jwt "$2" "$NGINX/protected/user-only" -H "Authorization: Bearer $JWT" ;;
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
DUR=2s scenario apikey 0 >/dev/null 2>&1
DUR=2s scenario jwt 0 >/dev/null 2>&1
: >"$RESULTS"

LOOKUPS_BEFORE=0 LOOKUPS_DURING=0
for ((r = 1; r <= ROUNDS; r++)); do
  for s in bare stub pistache apikey jwt flexible badkey badsum verify noop; do
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
# A graceful stop pushes what is buffered and flushes it all in one go; that flush is the figure.
bash "$STACK" authd-stop "$STATE" 1
LU_ROWS=$(psql_authd -tAc "SELECT count(*) FROM api_keys WHERE name = 'bench-lastused' AND last_used_at >= to_timestamp($LU_START)")
LU_FLUSH=$(grep -ao 'flushed [0-9]* keys to PostgreSQL in [0-9]* ms ([0-9]* batches)' "$STATE/run/authd1.log" |
  sort -t' ' -k2 -n | tail -1)
bash "$STACK" authd-start "$STATE" 1
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
  }
  END {
    for (i = 1; i <= k; i++) {
      s = order[i]; n = cnt[s]
      for (j = 1; j <= n; j++) { a[j] = rps[s, j] } ; mr[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = p50[s, j] } ; m50[s] = median(a, n)
      for (j = 1; j <= n; j++) { a[j] = p99[s, j] } ; m99[s] = median(a, n)
    }
    print "| scenario | req/s | p50 ms | p99 ms | non-2xx | × stub | × bare | × pistache |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= k; i++) {
      s = order[i]
      printf "| %s | %.0f | %.3f | %.3f | %.1f%% | %.2f | %.2f | %.2f |\n", s, mr[s], m50[s], m99[s], 100 * bad[s] / (tot[s] ? tot[s] : 1), mr[s] / mr["stub"], mr[s] / mr["bare"], mr[s] / mr["pistache"]
    }
    if (mr["noop"] > 0) printf "\n- verify (authd alone) = %.2f × noop (a do-nothing Pistache handler, same requests)\n", mr["verify"] / mr["noop"]
  }' "$RESULTS" >"$TABLE"
{
  echo
  echo "- key lookups in PostgreSQL during the badkey and badsum floods: $LOOKUPS_DURING"
  echo "- lastUsedAt: $LU_ROWS of $LASTUSED_KEYS keys reached PostgreSQL; largest flush: ${LU_FLUSH:-none seen}"
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
