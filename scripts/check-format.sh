#!/usr/bin/env bash
# Checks that the C++ sources (authd/, tests/, benchmarks/) are formatted as the
# repository's .clang-format says, with Debian 12's clang-format 14 (other
# versions format some constructs differently). Prints every offending file
# and line, and exits 1 if there is any; changes nothing. To fix a file:
#   clang-format -i FILE
# Generated files live in the build folder and are not checked, nor are
# node_modules/ or the fuzzers' corpus (tests/fuzz/corpus/, data, not code).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"

command -v "$CLANG_FORMAT" >/dev/null ||
  { echo "[format] error: $CLANG_FORMAT not found (bash scripts/stack.sh install)" >&2; exit 1; }
[ -f .clang-format ] || { echo "[format] error: no .clang-format in $ROOT" >&2; exit 1; }
version="$("$CLANG_FORMAT" --version)"
case "$version" in
  *" version 14."*) ;;
  *) echo "[format] warning: expected clang-format 14 (Debian 12), found: $version" >&2 ;;
esac

# The files: tracked ones in a checkout (so nothing generated or stray), else every one on disk.
files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do files+=("$f"); done < <(
    git ls-files -z -- 'authd/*.cpp' 'authd/*.hpp' 'authd/*.h' 'authd/*.cc' \
      'tests/*.cpp' 'tests/*.hpp' 'tests/*.h' 'tests/*.cc' \
      'benchmarks/*.cpp' 'benchmarks/*.hpp' 'benchmarks/*.h' 'benchmarks/*.cc' \
      ':!:*node_modules/*' ':!:tests/fuzz/corpus/*')
else
  while IFS= read -r -d '' f; do files+=("$f"); done < <(
    find authd tests benchmarks \( -path '*/node_modules' -o -path tests/fuzz/corpus \) -prune -o \
      -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
fi
[ ${#files[@]} -gt 0 ] || { echo "[format] error: no C++ files found under authd/ tests/ benchmarks/" >&2; exit 1; }

# One file at a time, so a report names its file even where clang-format's own
# message would be cut short; clang-format prints file:line:col and the line.
bad=()
for f in "${files[@]}"; do
  if ! out="$("$CLANG_FORMAT" --style=file --dry-run -Werror "$f" 2>&1)"; then
    bad+=("$f")
    # "FILE:LINE:COL: error: code should be clang-formatted", then the line: one "FILE:LINE: text" per line.
    printf '%s\n' "$out" | awk '
      where != "" { if (!seen[where]++) print where ": " $0; where = ""; next }
      match($0, /^.+:[0-9]+:[0-9]+: (error|warning): /) {
        split($0, part, ":"); where = part[1] ":" part[2]; next
      }
      /error:/ { print }'
    [ -n "$out" ] || echo "$f: clang-format failed"
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  echo "[format] ${#bad[@]} of ${#files[@]} files are not formatted; fix them with: clang-format -i FILE..." >&2
  exit 1
fi
echo "[format] ${#files[@]} files formatted as .clang-format says"
