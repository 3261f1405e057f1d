#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz with clang++-16 (ASan + UBSan)
# into build-fuzz/ and runs each for a while on a copy of its seed corpus.
#
#   bash tests/fuzz/run.sh [SECONDS]     SECONDS per target (default $FUZZ_SECONDS or 60)
#   FUZZ_TARGETS="fuzz_jwt" bash tests/fuzz/run.sh 10
#
# Exits non-zero if any target crashes, leaks, traps or times out; the
# offending input is kept in build-fuzz/artifacts/<target>/ and the command
# that replays it is printed. The repository's corpus is never written to.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${1:-${FUZZ_SECONDS:-60}}"
OUT="$ROOT/build-fuzz"
CXX="${FUZZ_CXX:-clang++-16}"

log() { printf '[fuzz] %s\n' "$*" >&2; }
die() { printf '[fuzz] error: %s\n' "$*" >&2; exit 1; }

# Each target with exactly the authd sources it needs: no Pistache, pqxx or hiredis.
declare -A SOURCES=(
  [fuzz_json_body]="http/json_io.cpp http/error_table.cpp core/error.cpp core/text.cpp core/time_format.cpp accounts/account_requests.cpp keys/key_request.cpp keys/credits.cpp"
  [fuzz_api_key]="keys/api_key.cpp verify/credentials.cpp core/crypto.cpp"
  [fuzz_jwt]="tokens/access_tokens.cpp core/signing_key.cpp core/crypto.cpp core/error.cpp"
  [fuzz_dotenv]="config/dotenv.cpp config/config.cpp core/crypto.cpp core/signing_key.cpp"
)
read -ra TARGETS <<<"${FUZZ_TARGETS:-fuzz_json_body fuzz_api_key fuzz_jwt fuzz_dotenv}"

# libFuzzer ships with clang, not g++. Debian 12's clang-14 cannot compile
# libstdc++ 12's <expected>; clang-16 can (with the flags below).
if ! command -v "$CXX" >/dev/null || ! [ -d /usr/lib/llvm-16/lib/clang/16/lib/linux ]; then
  [ "$(id -u)" -eq 0 ] || die "$CXX is missing -- install it with: sudo apt-get install clang-16 libclang-rt-16-dev"
  log "installing: clang-16 libclang-rt-16-dev"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang-16 libclang-rt-16-dev >/dev/null
fi

# libstdc++ 12 gates std::expected on __cpp_concepts >= 202002L, which clang-16
# implements but does not yet advertise.
CXXFLAGS=(-std=c++2b -Wno-macro-redefined -D__cpp_concepts=202002L -O1 -g
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  -I "$ROOT/authd")
LIBS=(-lssl -lcrypto -lz -largon2)

mkdir -p "$OUT"
for t in "${TARGETS[@]}"; do
  [ -n "${SOURCES[$t]:-}" ] || die "unknown target $t"
  srcs=("$ROOT/tests/fuzz/$t.cpp")
  for s in ${SOURCES[$t]}; do srcs+=("$ROOT/authd/$s"); done
  # Rebuild when anything it could include changed.
  if [ -x "$OUT/$t" ] && [ -z "$(find "$ROOT/authd" "$ROOT/tests/fuzz" -newer "$OUT/$t" \
    \( -name '*.cpp' -o -name '*.hpp' -o -name '*.sh' \) -print -quit)" ]; then
    continue
  fi
  log "building $t"
  "$CXX" "${CXXFLAGS[@]}" "${srcs[@]}" "${LIBS[@]}" -o "$OUT/$t.tmp"
  mv "$OUT/$t.tmp" "$OUT/$t"
done

WORK="$(mktemp -d /tmp/authd-fuzz.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t" "$OUT/artifacts/$t"
  cp -R "$ROOT/tests/fuzz/corpus/$t/." "$WORK/$t/"
  log "running $t for ${SECONDS_EACH}s"
  rc=0
  "$OUT/$t" "$WORK/$t" -max_total_time="$SECONDS_EACH" -max_len=16384 -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" >"$WORK/$t.log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$WORK/$t.log" | sed "s/^/[fuzz] $t: /" >&2 || true
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$WORK/$t.log" >&2
    artifact="$(grep -oE "Test unit written to [^ ]+" "$WORK/$t.log" | tail -1 | sed 's/Test unit written to //')"
    log "$t FAILED (exit $rc); input: ${artifact:-see the log above}"
    [ -n "$artifact" ] && log "reproduce: $OUT/$t $artifact   (bytes: xxd $artifact)"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  die "findings in: ${failed[*]}"
fi
log "all targets ran ${SECONDS_EACH}s without findings"
