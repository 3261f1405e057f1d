#!/usr/bin/env bash
# The test command's extended mode, part 1: authd built with AddressSanitizer
# and UBSan (g++, build-asan/), swapped in for both authd instances of the
# running test stack, then the integration and end-to-end suites (the normal
# build's test binaries) against it. Fails on any failing test and on any
# sanitizer report in the authd logs.
#
#   scripts/test-sanitized.sh STATE_DIR   (the stack scripts/test.sh brought up)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$(cd "${1:?usage: test-sanitized.sh STATE_DIR}" && pwd)"
STACK="$ROOT/scripts/stack.sh"
started=$SECONDS

log() { printf '[sanitize] %s\n' "$*" >&2; }

# Only authd itself: what the sanitizers watch is the service under the suites'
# traffic, so the suites' own binaries come from the normal build (building them
# twice cost CI a third of this stage). Warnings are the normal build's job
# (-Werror there); this one looks for runtime findings.
NORMAL_BUILD="${AUTHD_BUILD_DIR:-$ROOT/build}"
export AUTHD_BUILD_DIR="$ROOT/build-asan"
log "building authd with -fsanitize=address,undefined into build-asan/"
AUTHD_SANITIZE=ON AUTHD_WERROR=OFF AUTHD_BUILD_TARGET="authd" bash "$STACK" build

# Leak detection is off: third-party libraries leak at exit (libpqxx 6.4
# leaves libpq results unfreed, reported by LeakSanitizer in the test
# processes), which would fail every run without pointing at authd's code.
# Any other finding stops the process at once.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Swap the stack's authd instances for the sanitized binary (stack.sh starts
# authd with this environment). Tests that restart authd, or start one of their
# own (testing::authdBinary), use it too, through the exported AUTHD_BUILD_DIR.
instances="$(sed -n 's/^AUTHD_INSTANCES=//p' "$STATE/stack.env")"
for ((n = 1; n <= ${instances:-1}; n++)); do
  bash "$STACK" authd-stop "$STATE" "$n"
  bash "$STACK" authd-start "$STATE" "$n"
done
log "sanitized authd running ($((SECONDS - started))s so far)"

export AUTHD_TEST_STATE="$STATE"
export AUTHD_TEST_STACK="$STACK"
rc=0
ctest --test-dir "$NORMAL_BUILD" --output-on-failure -L 'integration|e2e' || rc=$?

# A report in an authd process shows only in its log (a killed request may
# not even fail a test).
if grep -nE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$STATE"/run/authd*.log >&2; then
  log "sanitizer findings in the authd logs (above); the full reports:"
  grep -hE -B2 -A40 'ERROR: AddressSanitizer|runtime error:' "$STATE"/run/authd*.log >&2 || true
  rc=1
fi
log "done in $((SECONDS - started))s: $([ $rc -eq 0 ] && echo passed || echo FAILED)"
exit $rc
