#!/usr/bin/env bash
# The arrows are enforced, not just written down: on a copy of the tree,
# (1) scripts/check-layers.sh passes on the tree as it is, and fails naming the
#     file and line of an include that breaks an arrow (a third-party header in a
#     domain room, or an adapter's header from a domain room);
# (2) a domain room's compile flags (the poison folder in front of the system
#     headers) stop a translation unit that includes <pqxx/pqxx> or
#     <hiredis/hiredis.h>, with the message naming where it belongs.
# Needs: AUTHD_SOURCE_DIR, AUTHD_POISON_DIR, CXX (set by CTest).
set -euo pipefail
: "${AUTHD_SOURCE_DIR:?}" "${AUTHD_POISON_DIR:?}" "${CXX:?}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$TMP/tree/scripts"
cp -r "$AUTHD_SOURCE_DIR/authd" "$TMP/tree/authd"
cp "$AUTHD_SOURCE_DIR/scripts/check-layers.sh" "$TMP/tree/scripts/"
bash "$TMP/tree/scripts/check-layers.sh" >/dev/null || fail "check-layers.sh refuses the tree as it is"

# A third-party header in verify/: named with its line.
sed -i '1a #include <pqxx/pqxx>' "$TMP/tree/authd/verify/verifier.cpp"
if out="$(bash "$TMP/tree/scripts/check-layers.sh" 2>&1)"; then fail "an include of <pqxx/pqxx> in authd/verify passed"; fi
grep -q 'authd/verify/verifier.cpp:2: #include <pqxx/pqxx>' <<<"$out" || fail "the report does not name the line: $out"
sed -i '2d' "$TMP/tree/authd/verify/verifier.cpp"

# An adapter's header from a domain room: named too.
sed -i '1a #include "store/redis/redis_pool.hpp"' "$TMP/tree/authd/keys/key_service.cpp"
if out="$(bash "$TMP/tree/scripts/check-layers.sh" 2>&1)"; then fail "keys/ including store/redis passed"; fi
grep -q "authd/keys/key_service.cpp:2: .*'keys' may not include from 'store/redis'" <<<"$out" || fail "not named: $out"

# The compiler, with a domain room's flags, stops at the poison header.
for header in pqxx/pqxx hiredis/hiredis.h pistache/endpoint.h; do
  printf '#include <%s>\nint main() {}\n' "$header" >"$TMP/probe.cpp"
  if out="$("$CXX" -std=c++23 -fsyntax-only -I"$AUTHD_POISON_DIR" -I"$AUTHD_SOURCE_DIR/authd" "$TMP/probe.cpp" 2>&1)"; then
    fail "<$header> compiled with a domain room's include path"
  fi
  grep -q "may be included only in" <<<"$out" || fail "<$header>: not stopped by the poison header: $out"
done
echo "layers: the check names offending lines; the poison headers stop the build"
