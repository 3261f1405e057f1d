#!/usr/bin/env bash
# Checks the layers (scripts/check-layers.sh) and formatting (scripts/check-format.sh), then runs every test: the same
# bootstrap as scripts/run.sh on other ports with a throwaway data folder (two
# authd instances behind nginx), then ctest (unit, integration and end-to-end),
# then tear-down. The exit code is the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STACK="$ROOT/scripts/stack.sh"
BASE="${AUTHD_TEST_PORT_BASE:-28080}"

# Each stage's time, so a slow CI run says where it went.
phase_start=$SECONDS
phase() {
  printf '[test] %s: %ds (%ds in all)\n' "$1" $((SECONDS - phase_start)) "$SECONDS" >&2
  phase_start=$SECONDS
}

# The arrows between authd's rooms, by grep, before anything is installed or built.
bash "$ROOT/scripts/check-layers.sh"

bash "$STACK" install
# Formatting first (.clang-format, scripts/check-format.sh): an unformatted tree
# fails in seconds, before anything is built.
bash "$ROOT/scripts/check-format.sh"
# The browser test (tests/browser) drives Debian's chromium; only this command needs it.
bash "$STACK" install-browser
phase "install and checks"
# Every target: authd, the test binaries, the benchmark tools. Warnings are errors in a
# fresh build folder (CI's); one the run command made keeps its setting, so switching
# between the two commands never rebuilds everything for a changed flag.
if [ -z "${AUTHD_WERROR:-}" ] && [ ! -f "${AUTHD_BUILD_DIR:-$ROOT/build}/CMakeCache.txt" ]; then
  export AUTHD_WERROR=ON
fi
AUTHD_BUILD_TARGET="${AUTHD_BUILD_TARGET:-}" bash "$STACK" build
phase "build"

STATE="$(mktemp -d /tmp/authd-test.XXXXXX)"
cleanup() {
  local rc=$?
  bash "$STACK" down "$STATE" >/dev/null 2>&1 || true
  if [ $rc -ne 0 ] && [ -d "$STATE/run" ]; then
    echo "[test] failed; last lines of the authd logs:"
    tail -n 30 "$STATE"/run/authd*.log 2>/dev/null || true
  fi
  rm -rf "$STATE"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$STACK" env "$STATE" test "$BASE" 2
cat >>"$STATE/stack.env" <<ENV
LAST_USED_FLUSH_MS=1000
# Short throttle window so tests can watch a 429 end.
LOGIN_WINDOW_SECONDS=3
# Webhooks: the tests' receiver (scripts/webhook-receiver.mjs, started by stack.sh
# because RECEIVER_PORT is set) is the operator's endpoint; it is on loopback, which
# only WEBHOOK_ALLOW_PRIVATE=1 allows (the run command never sets it).
# Ports: the stack uses BASE..BASE+11, the run-command test +12..15, webhook_private_test +17 and +18,
# signing_keys_test +19 (ES256 authd) and +20 (EdDSA authd); +21, +22 spare.
RECEIVER_PORT=$((BASE + 16))
WEBHOOK_ALLOW_PRIVATE=1
WEBHOOK_URL=http://127.0.0.1:$((BASE + 16))/hook/operator
WEBHOOK_SECRET=whsec_$(openssl rand -base64 32)
# The expiry scan every second, so key.expiring/key.expired show up quickly.
EXPIRY_SCAN_MS=1000
ENV

# The same start as the run command's (scripts/stack.sh up), under the strictest
# umask a user may have (scripts/run.sh used to leak exactly this one): the stack
# must not depend on it, and the suites below see what users run.
(umask 077 && bash "$STACK" up "$STATE")
phase "stack up"

export AUTHD_TEST_STATE="$STATE"
export AUTHD_TEST_STACK="$STACK"
ctest --test-dir "${AUTHD_BUILD_DIR:-$ROOT/build}" --output-on-failure -j "$(nproc)" "$@"
phase "suites"
# The console test's screenshots (tests/browser/console.test.mjs), kept after the run.
for shot in "${AUTHD_BUILD_DIR:-$ROOT/build}"/test-artifacts/console/*.png; do
  if [ -f "$shot" ]; then echo "[test] console screenshot: $shot" >&2; fi
done

# Extended mode (CI, or AUTHD_TEST_EXTENDED=1), once the suites above passed:
# integration and e2e again against an ASan+UBSan authd, then the fuzzers.
# The fuzzers get FUZZ_SECONDS each (30 here; tests/fuzz/run.sh alone defaults to 60).
if [ "${CI:-}" = true ] || [ "${AUTHD_TEST_EXTENDED:-0}" = 1 ]; then
  bash "$ROOT/scripts/test-sanitized.sh" "$STATE"
  phase "sanitized suites"
  bash "$ROOT/tests/fuzz/run.sh" "${FUZZ_SECONDS:-30}"
  phase "fuzzers"
fi
