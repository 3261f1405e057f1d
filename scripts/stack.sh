#!/usr/bin/env bash
# The whole stack on loopback, for the run command, the test command and the
# benchmarks: Debian packages, the build, a project-local PostgreSQL, Redis,
# one or more authd instances and nginx, all under one state folder.
#
#   scripts/stack.sh install            install missing Debian packages (root), or say which; npm ci
#   scripts/stack.sh install-browser    install Debian's chromium for the browser test (root), or say how
#   scripts/stack.sh build              configure + build into $AUTHD_BUILD_DIR (default build/);
#                                       AUTHD_BUILD_TARGET: what to build (default all)
#   scripts/stack.sh state-dir DIR      print DIR, or a folder under /var/lib when PostgreSQL's or
#                                       nginx's user cannot reach DIR (a private parent folder)
#   scripts/stack.sh env STATE_DIR MODE BASE_PORT INSTANCES
#                                       write STATE_DIR/stack.env for a throwaway stack (test, bench)
#   scripts/stack.sh up STATE_DIR       start everything; STATE_DIR/stack.env must exist
#   scripts/stack.sh down STATE_DIR     stop everything that `up` started, by PID
#   scripts/stack.sh SERVICE-start|SERVICE-stop|SERVICE-kill STATE_DIR [N]
#                                       SERVICE: pg, redis, authd (instance N, default 1), echo, receiver, nginx
#   scripts/stack.sh pg-admin STATE_DIR PSQL_ARGS...
#                                       psql as the PostgreSQL superuser on the stack's database
#
# stack.env holds the settings (ports, secrets, mode); see write_env in run.sh and test.sh.
set -euo pipefail
# Whatever the caller's umask: the folders made here must be reachable by
# PostgreSQL's and nginx's users. Secret files are made 0600 explicitly.
umask 022

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${AUTHD_BUILD_DIR:-$ROOT/build}"
PG_BIN="/usr/lib/postgresql/15/bin"
PACKAGES=(build-essential cmake pkg-config git curl ca-certificates openssl
  libpistache-dev libpqxx-dev libhiredis-dev libcpp-jwt-dev libspdlog-dev nlohmann-json3-dev
  libargon2-dev libcrypt-dev prometheus-cpp-dev libssl-dev libcurl4-openssl-dev zlib1g-dev libgtest-dev clang-format
  nginx postgresql-15 redis-server wrk nodejs npm)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    # A Node.js from elsewhere (NodeSource's bundles npm and conflicts with Debian's npm) will do.
    case "$p" in nodejs | npm) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian 12 packages: ${missing[*]} -- install them with: sudo apt-get install ${missing[*]}"
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts packaged services where it can; this project runs its own.
  for svc in nginx postgresql redis-server; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      log "note: system service $svc is running; authd's stack uses its own ports and does not touch it"
    fi
  done
}

# Swagger UI's assets (served by authd at /api/docs), uPlot (the console's charts) and playwright-core, from package-lock.json.
install_node_modules() {
  [ -f "$ROOT/node_modules/.package-lock.json" ] && ! [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ] &&
    return 0
  log "npm ci (swagger-ui-dist, uplot, playwright-core)"
  # No install scripts: swagger-ui-dist's only one is a telemetry ping.
  (cd "$ROOT" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
}

# Debian's chromium, for the browser test only (playwright-core drives it; no browser download).
install_browser() {
  command -v chromium >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "chromium is missing -- install it with: sudo apt-get install chromium"
  log "installing: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

# Configures and builds; shows one line per step ("[build] 42% authd_lib: core/text.cpp") and
# keeps the whole compiler log in $BUILD_DIR/build.log, printed in full when the build fails.
# AUTHD_BUILD_TARGET names the targets (default: all); the run command builds only authd.
# AUTHD_WERROR=ON|OFF sets -Werror; unset, the build folder keeps what it has (a fresh one: OFF),
# so the run and test commands, sharing build/, never rebuild everything for a flag.
build() {
  local jobs log rc=0
  jobs="$(nproc)"
  mkdir -p "$BUILD_DIR"
  log="$BUILD_DIR/build.log"
  log "building ${AUTHD_BUILD_TARGET:-every target} in $BUILD_DIR (full log: $log)"
  # shellcheck disable=SC2086 # several targets are several words
  {
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${AUTHD_BUILD_TYPE:-RelWithDebInfo}" \
      ${AUTHD_WERROR:+-DAUTHD_WERROR=$AUTHD_WERROR} -DAUTHD_SANITIZE="${AUTHD_SANITIZE:-OFF}" &&
      cmake --build "$BUILD_DIR" -j "$jobs" ${AUTHD_BUILD_TARGET:+--target $AUTHD_BUILD_TARGET}
  } >"$log" 2>&1 &
  local pid=$!
  build_progress "$log" "$pid"
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$log" >&2
    die "the build failed (exit $rc); the full log is above and in $log"
  fi
  log "built"
}

# Follows the build log while the build (PID $2) runs: one line per step, in order.
build_progress() {
  local log="$1" pid="$2"
  tail -n +1 --pid="$pid" -F "$log" 2>/dev/null |
    sed -nu -E \
      -e 's|^\[ *([0-9]+)%\] Building [A-Z]+ object (.*/)?CMakeFiles/([^/]+)\.dir/(.*)\.o$|[build] \1% \3: \4|p' \
      -e 's|^\[ *([0-9]+)%\] Linking [A-Z]+ [a-z ]+ (.*)$|[build] \1% linking \2|p' \
      -e 's|^\[ *([0-9]+)%\] (Embedding .*)$|[build] \1% \2|p' >&2 || true
}

load_env() {
  STATE="$(cd "$1" && pwd)"
  [ -f "$STATE/stack.env" ] || die "$STATE/stack.env not found"
  set -a
  # shellcheck disable=SC1091
  . "$STATE/stack.env"
  set +a
  AUTHD_INSTANCES="${AUTHD_INSTANCES:-1}"
  # Optional command prefix for authd (e.g. "valgrind --tool=callgrind").
  read -ra AUTHD_WRAPPER <<<"${AUTHD_WRAP:-}"
  # postgres refuses to run as root: run it as its own user then. nginx's
  # workers run as nobody when its master is root, as the caller otherwise.
  if [ "$(id -u)" -eq 0 ]; then PG_OS_USER=postgres NGINX_USER=nobody; else PG_OS_USER="$(id -un)" NGINX_USER=; fi
  # PostgreSQL's and nginx's workers run as other users: they must traverse it
  # (the folders may come from an older run that leaked a umask of 077).
  chmod 755 "$STATE"
  chmod 600 "$STATE/stack.env"
  RUN_DIR="$STATE/run"
  mkdir -p "$RUN_DIR"
  chmod 755 "$RUN_DIR"
  check_reachable "$STATE"
}

# as_user USER COMMAND...: runs COMMAND as USER (as the caller when USER is empty or the caller).
as_user() {
  local user="$1"; shift
  # From /: the caller's folder may be one USER cannot enter (every path here is absolute).
  if [ -z "$user" ] || [ "$(id -un)" = "$user" ]; then "$@"; else (cd / && runuser -u "$user" -- "$@"); fi
}

# Dies, naming the folder, when PostgreSQL's or nginx's user cannot traverse DIR
# (a parent folder that only its owner may enter, e.g. /root).
check_reachable() {
  local dir="$1" user
  for user in "$PG_OS_USER" "$NGINX_USER"; do
    [ -n "$user" ] || continue
    as_user "$user" test -x "$dir" ||
      die "user '$user' (PostgreSQL or nginx workers) cannot reach $dir: a parent folder is not traversable; set AUTHD_DATA_DIR to a folder it can reach"
  done
}

# The state folder for the run command: DIR when PostgreSQL's and nginx's users can
# reach it, else (the checkout sits in a private folder such as /root) a root-owned
# /var/lib/authd-<hash of the checkout's path>, so the parents' permissions stay as
# they are. Without root everything runs as the caller: DIR is always fine.
state_dir() {
  local dir="$1" probe user
  if [ "$(id -u)" -ne 0 ]; then echo "$dir"; return 0; fi
  probe="$dir"
  while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
  [ "$probe" = "$dir" ] && probe="$(dirname "$dir")"  # DIR itself is ours: load_env opens it
  for user in postgres nobody; do
    if ! as_user "$user" test -x "$probe"; then
      local alt
      alt="/var/lib/authd-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
      install -d -m 755 -o root -g root "$alt"
      log "$probe is private (user '$user' cannot enter it): keeping the state in $alt instead of $dir"
      echo "$alt"
      return 0
    fi
  done
  echo "$dir"
}

as_pg() { as_user "$PG_OS_USER" "$@"; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local secs="$1" what="$2"; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up within ${secs}s"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---- PostgreSQL -------------------------------------------------------------
pg_dir() { echo "$STATE/postgres"; }

pg_init() {
  local data sock
  data="$(pg_dir)/data"
  sock="$(pg_dir)/sock"
  [ -f "$data/PG_VERSION" ] && return 0
  mkdir -p "$data" "$sock"
  chmod 700 "$data"
  [ "$(id -u)" -eq 0 ] && chown -R "$PG_OS_USER": "$(pg_dir)"
  as_pg test -w "$data" || die "PostgreSQL's user '$PG_OS_USER' cannot write $data (a parent folder is not traversable?)"
  log "initdb $data"
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$(pg_dir)/initdb.log" 2>&1 || { cat "$(pg_dir)/initdb.log" >&2; die "initdb failed"; }
  # Peer auth on the socket maps the OS user to the role of the same name.
  if [ "$PG_OS_USER" != postgres ]; then
    sed -i "s/^local\(.*\)peer$/local\1trust/" "$data/pg_hba.conf"
  fi
  PG_FRESH=1
}

pg_start() {
  local data sock opts
  data="$(pg_dir)/data"
  sock="$(pg_dir)/sock"
  pg_init
  if as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return 0; fi
  opts="-p $DB_PORT -k $sock -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements"
  opts+=" -c max_connections=200"
  if [ "${STACK_MODE:-run}" = test ]; then
    # Throwaway data: durability buys nothing in tests.
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$(pg_dir)/postgres.log" -o "$opts" -w -t 60 start >/dev/null ||
    { tail -20 "$(pg_dir)/postgres.log" >&2; die "PostgreSQL did not start"; }
  if [ "${PG_FRESH:-0}" = 1 ] || ! pg_role_exists; then pg_create_db; fi
}

pg_psql() {
  as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$(pg_dir)/sock" -p "$DB_PORT" -U postgres "$@"
}

pg_role_exists() {
  [ "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USERNAME'")" = 1 ]
}

pg_create_db() {
  log "creating role $DB_USERNAME and database $DB_NAME"
  # The password goes in through psql's variable quoting, never into a shell-built SQL string.
  pg_psql -d postgres -v user="$DB_USERNAME" -v pass="$DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'user', :'pass')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  pg_psql -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
}

pg_stop() {
  local data
  data="$(pg_dir)/data"
  [ -f "$data/PG_VERSION" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

pg_kill() {
  local pid
  pid="$(head -1 "$(pg_dir)/data/postmaster.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  kill -9 "$pid" 2>/dev/null || true
  # Until it is gone (and its backends with it), pg_ctl would think it still runs.
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 100); do
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1 || return 0
    sleep 0.1
  done
}

# ---- Redis ------------------------------------------------------------------
redis_start() {
  local dir="$STATE/redis"
  # Redis runs as the caller; nobody else needs its data.
  mkdir -p "$dir"
  chmod 700 "$dir"
  pid_alive "$dir/redis.pid" && return 0
  local persist=(--appendonly yes --appendfsync everysec --save "")
  [ "${STACK_MODE:-run}" = test ] && persist=(--appendonly no --save "")
  # The password is passed on stdin as config, so it never shows in `ps`.
  {
    printf 'port %s\nbind 127.0.0.1\ndir %s\npidfile %s\nlogfile %s\ndaemonize yes\n' \
      "$REDIS_PORT" "$dir" "$dir/redis.pid" "$dir/redis.log"
    [ -n "${REDIS_PASSWORD:-}" ] && printf 'requirepass "%s"\n' "$REDIS_PASSWORD"
  } >"$dir/redis.conf"
  chmod 600 "$dir/redis.conf"
  redis-server "$dir/redis.conf" "${persist[@]}" >/dev/null
  wait_for 15 Redis redis_ping
}

redis_ping() {
  REDISCLI_AUTH="${REDIS_PASSWORD:-}" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG
}

redis_stop() {
  local pidf="$STATE/redis/redis.pid" pid
  pid_alive "$pidf" || return 0
  pid="$(cat "$pidf")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# ---- authd ------------------------------------------------------------------
authd_port() { echo $((PORT + ${1:-1} - 1)); }

authd_start() {
  local n="${1:-1}" port pidf
  port="$(authd_port "$n")"
  pidf="$RUN_DIR/authd$n.pid"
  pid_alive "$pidf" && return 0
  [ -x "$BUILD_DIR/authd/authd" ] || die "$BUILD_DIR/authd/authd is not built"
  (
    cd "$STATE"
    PORT="$port" AUTHD_ENV_FILE="$STATE/stack.env" SWAGGER_UI_DIR="$ROOT/node_modules/swagger-ui-dist" exec "${AUTHD_WRAPPER[@]}" "$BUILD_DIR/authd/authd" serve \
      >>"$RUN_DIR/authd$n.log" 2>&1
  ) &
  echo $! >"$pidf"
  wait_for 60 "authd #$n on port $port" curl -fsS "http://127.0.0.1:$port/healthz"
}

authd_stop() {
  local n="${1:-1}" pidf pid
  pidf="$RUN_DIR/authd$n.pid"
  pid_alive "$pidf" || return 0
  pid="$(cat "$pidf")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidf"; return 0; }; sleep 0.1; done
  log "authd #$n did not stop in 15s; killing"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

authd_kill() {
  local n="${1:-1}" pidf pid
  pidf="$RUN_DIR/authd$n.pid"
  if pid_alive "$pidf"; then
    pid="$(cat "$pidf")"
    kill -9 "$pid" 2>/dev/null || true
    # SIGKILL is delivered asynchronously: wait until the process is gone (and its port free), so that a start
    # right after this one never finds the old instance still listening.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -f "$pidf"
}

# ---- the demo upstream behind /protected/echo/ ------------------------------
# scripts/echo-upstream.mjs on 127.0.0.1, port ECHO_PORT (default NGINX_PORT + 7,
# free in every mode: authd instances use NGINX_PORT + 1.., the benchmarks + 8 and + 9).
echo_port() { echo "${ECHO_PORT:-$((NGINX_PORT + 7))}"; }

echo_start() {
  local pidf="$RUN_DIR/echo.pid" port
  port="$(echo_port)"
  pid_alive "$pidf" && return 0
  node "$ROOT/scripts/echo-upstream.mjs" "$port" >>"$RUN_DIR/echo.log" 2>&1 &
  echo $! >"$pidf"
  wait_for 30 "the echo upstream on port $port" curl -fsS "http://127.0.0.1:$port/"
}

# stop_pid_file PIDFILE: SIGTERM to the process it names, SIGKILL after 5 s; the file goes either way.
stop_pid_file() {
  local pidf="$1" pid
  pid_alive "$pidf" || { rm -f "$pidf"; return 0; }
  pid="$(cat "$pidf")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidf"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

echo_stop() { stop_pid_file "$RUN_DIR/echo.pid"; }

# ---- the webhook receiver of the e2e tests ----------------------------------
# scripts/webhook-receiver.mjs on 127.0.0.1, port RECEIVER_PORT: started only when
# the stack's settings name one (scripts/test.sh does, for WEBHOOK_URL; the run
# command does not). It checks signatures with the `standardwebhooks` package.
receiver_start() {
  local pidf="$RUN_DIR/receiver.pid"
  [ -n "${RECEIVER_PORT:-}" ] || return 0
  pid_alive "$pidf" && return 0
  RECEIVER_OPERATOR_SECRET="${WEBHOOK_SECRET:-}" node "$ROOT/scripts/webhook-receiver.mjs" "$RECEIVER_PORT" \
    >>"$RUN_DIR/receiver.log" 2>&1 &
  echo $! >"$pidf"
  wait_for 30 "the webhook receiver on port $RECEIVER_PORT" curl -fsS "http://127.0.0.1:$RECEIVER_PORT/"
}

receiver_stop() { stop_pid_file "$RUN_DIR/receiver.pid"; }

# ---- nginx ------------------------------------------------------------------
nginx_render() {
  local upstreams="" i
  for ((i = 1; i <= AUTHD_INSTANCES; i++)); do
    upstreams+="    server 127.0.0.1:$(authd_port "$i") max_fails=0;\n"
  done
  # The workers ($NGINX_USER when the master is root) enter these folders: nginx itself
  # makes tmp/'s subfolders, owned by the workers' user; html/ is try_files' root.
  mkdir -p "$RUN_DIR/nginx/logs" "$RUN_DIR/nginx/tmp" "$RUN_DIR/nginx/html"
  chmod 755 "$RUN_DIR/nginx" "$RUN_DIR/nginx/logs" "$RUN_DIR/nginx/tmp" "$RUN_DIR/nginx/html"
  as_user "$NGINX_USER" test -x "$RUN_DIR/nginx/tmp" ||
    die "nginx's workers ('$NGINX_USER') cannot enter $RUN_DIR/nginx/tmp"
  local user_line=""
  [ -n "$NGINX_USER" ] && user_line="user $NGINX_USER $(id -gn "$NGINX_USER");"
  sed -e "s|@NGINX_PORT@|$NGINX_PORT|g" -e "s|@AUTHD_UPSTREAMS@|$upstreams|" -e "s|@RUN_DIR@|$RUN_DIR/nginx|g" \
    -e "s|@ECHO_PORT@|$(echo_port)|g" -e "s|@NGINX_USER_LINE@|$user_line|" \
    "$ROOT/nginx/authd.conf" >"$RUN_DIR/nginx/nginx.conf"
  cp "$ROOT"/nginx/snippets/*.conf "$RUN_DIR/nginx/"
  nginx_copy_console
  rm -f "$RUN_DIR"/nginx/bench-*.conf
  nginx_render_test_routes
  if [ "${STACK_MODE:-run}" = bench ]; then
    for f in "$ROOT"/nginx/bench-*.conf; do
      sed -e "s|@STUB_PORT@|$((NGINX_PORT + 9))|g" -e "s|@PISTACHE_PORT@|$((NGINX_PORT + 8))|g" \
        -e "s|@AUTHD_SECOND_PORT@|$(authd_port 2)|g" "$f" >"$RUN_DIR/nginx/$(basename "$f")"
    done
    nginx_render_bench_second
  fi
  nginx -t -q -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -e "$RUN_DIR/nginx/logs/error.log"
}

# The console (console/, served at /console/ by nginx/authd.conf) and uPlot's dist files
# (node_modules, from `install`), copied into the state's nginx folder at each render: as
# root, nginx's workers (nobody) cannot read a checkout inside a private folder, and the
# copy keeps the files served in step with the config. Readable by every user, whatever
# modes the checkout's files have.
nginx_copy_console() {
  local dest="$RUN_DIR/nginx/console" uplot="$ROOT/node_modules/uplot/dist"
  [ -f "$uplot/uPlot.esm.js" ] && [ -f "$uplot/uPlot.min.css" ] ||
    die "$uplot/uPlot.esm.js is missing: run 'bash scripts/stack.sh install' (npm ci)"
  rm -rf "$dest"
  cp -R "$ROOT/console" "$dest"
  mkdir -p "$dest/vendor/uplot"
  cp "$uplot/uPlot.esm.js" "$uplot/uPlot.min.css" "$ROOT/node_modules/uplot/LICENSE" "$dest/vendor/uplot/"
  chmod -R u=rwX,go=rX "$dest"
  as_user "$NGINX_USER" test -r "$dest/index.html" ||
    die "nginx's workers ('$NGINX_USER') cannot read $dest/index.html"
}

# What only the e2e tests call, in a test stack only: the deliberately broken guards
# (tests/e2e/nginx/test-server*.conf) and the routes pinned to one authd instance.
nginx_render_test_routes() {
  rm -f "$RUN_DIR"/nginx/test-server*.conf "$RUN_DIR"/nginx/test-http*.conf "$RUN_DIR"/nginx/test-guard-*.conf
  [ "${STACK_MODE:-run}" = test ] || return 0
  cp "$ROOT"/tests/e2e/nginx/test-server*.conf "$RUN_DIR/nginx/"
  local i
  for ((i = 1; i <= AUTHD_INSTANCES; i++)); do nginx_render_pinned "$i"; done
}

# /pinned/N/… (tests/e2e/nginx/pinned-*.conf.in) for instance N: an upstream of that instance
# alone, and copies of the shipped guard and /verify location that send the subrequest
# there, so a test can watch one given instance verify through nginx.
nginx_render_pinned() {
  local n="$1" dir="$RUN_DIR/nginx" src="$ROOT/tests/e2e/nginx" verify
  sed -e "s|@N@|$n|g" -e "s|@AUTHD_PORT@|$(authd_port "$n")|g" "$src/pinned-http.conf.in" >>"$dir/test-http-pinned.conf"
  sed -e "s|^auth_request /_authd_verify;|auth_request /_authd_verify_$n;|" \
    "$ROOT/nginx/snippets/authd-guard.conf" >"$dir/test-guard-$n.conf"
  grep -q "^auth_request /_authd_verify_$n;" "$dir/test-guard-$n.conf" ||
    die "nginx/snippets/authd-guard.conf has no 'auth_request /_authd_verify;' line to pin"
  # The location block, from its first line to the closing brace in column 0.
  verify="$(awk '/^location = \/_authd_verify \{/ { on = 1 } on { print } on && /^\}/ { exit }' \
    "$ROOT/nginx/snippets/authd-server.conf")"
  case "$verify" in
    *"proxy_pass http://authd/verify"*) ;;
    *) die "nginx/snippets/authd-server.conf: no /_authd_verify location proxying to http://authd/verify to pin" ;;
  esac
  {
    sed -e "s|@N@|$n|g" "$src/pinned-server.conf.in"
    printf '%s\n' "$verify" | sed -e "s|^location = /_authd_verify {|location = /_authd_verify_$n {|" \
      -e "s|proxy_pass http://authd/verify|proxy_pass http://authd_instance_$n/verify|"
  } >>"$dir/test-server-pinned.conf"
}

# Bench stack only: the shipped guard and /verify location, copied at render time with the
# subrequest sent to upstream authd_second (authd instance 2 alone, nginx/bench-http.conf),
# for nginx/bench-server.conf's /bench/second/ routes: benchmarks/run.sh measures a feature
# off (instance 2, its own settings) against on (instance 1) through the very same guard.
nginx_render_bench_second() {
  local dir="$RUN_DIR/nginx" verify
  sed -e "s|^auth_request /_authd_verify;|auth_request /_authd_verify_second;|" \
    "$ROOT/nginx/snippets/authd-guard.conf" >"$dir/bench-guard-second.conf"
  grep -q "^auth_request /_authd_verify_second;" "$dir/bench-guard-second.conf" ||
    die "nginx/snippets/authd-guard.conf has no 'auth_request /_authd_verify;' line to redirect"
  verify="$(awk '/^location = \/_authd_verify \{/ { on = 1 } on { print } on && /^\}/ { exit }' \
    "$ROOT/nginx/snippets/authd-server.conf")"
  case "$verify" in
    *"proxy_pass http://authd/verify"*) ;;
    *) die "nginx/snippets/authd-server.conf: no /_authd_verify location proxying to http://authd/verify to copy" ;;
  esac
  printf '%s\n' "$verify" | sed -e "s|^location = /_authd_verify {|location = /_authd_verify_second {|" \
    -e "s|proxy_pass http://authd/verify|proxy_pass http://authd_second/verify|" >"$dir/bench-server-second.conf"
}

nginx_start() {
  local pidf="$RUN_DIR/nginx/nginx.pid"
  pid_alive "$pidf" && return 0
  nginx_render
  nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -e "$RUN_DIR/nginx/logs/error.log"
  wait_for 15 nginx curl -fsS "http://127.0.0.1:$NGINX_PORT/healthz"
}

nginx_stop() {
  local pidf="$RUN_DIR/nginx/nginx.pid" pid
  pid_alive "$pidf" || return 0
  pid="$(cat "$pidf")"
  kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

up() {
  pg_start
  redis_start
  receiver_start
  local i
  for ((i = 1; i <= AUTHD_INSTANCES; i++)); do authd_start "$i"; done
  echo_start
  nginx_start
}

down() {
  nginx_stop
  echo_stop
  local i
  for ((i = 1; i <= ${AUTHD_INSTANCES:-1}; i++)); do authd_stop "$i"; done
  receiver_stop
  redis_stop
  pg_stop
}

# A throwaway stack's settings: ports from BASE (nginx BASE, authd BASE+1.., PostgreSQL
# BASE+10, Redis BASE+11), fresh random secrets. Extra settings are appended by the caller.
write_env() {
  local state="$1" mode="$2" base="$3" instances="$4"
  mkdir -p "$state"
  cat >"$state/stack.env" <<ENV
STACK_MODE=$mode
AUTHD_INSTANCES=$instances
NGINX_PORT=$base
PORT=$((base + 1))
DB_HOST=127.0.0.1
DB_PORT=$((base + 10))
DB_USERNAME=authd
DB_PASSWORD=$(openssl rand -hex 16)
DB_NAME=authd_$mode
REDIS_HOST=127.0.0.1
REDIS_PORT=$((base + 11))
REDIS_PASSWORD=$(openssl rand -hex 16)
JWT_SECRET=$(openssl rand -hex 32)
JWT_REFRESH_SECRET=$(openssl rand -hex 32)
ENV
  chmod 600 "$state/stack.env"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  env) write_env "$@" ;;
  install) install_packages; install_node_modules ;;
  install-browser) install_browser ;;
  build) build ;;
  state-dir) state_dir "$1" ;;
  up) load_env "$1"; up ;;
  down) load_env "$1"; down ;;
  pg-admin) load_env "$1"; shift; pg_psql -d "$DB_NAME" "$@" ;;
  pg-start | pg-stop | pg-kill | redis-start | redis-stop | nginx-start | nginx-stop | echo-start | echo-stop | receiver-start | receiver-stop | authd-start | authd-stop | authd-kill)
    load_env "$1"
    svc="${cmd%-*}" action="${cmd##*-}"
    "${svc}_${action}" "${2:-1}"
    ;;
  *) sed -n '2,21p' "$0" >&2; exit 2 ;;
esac
