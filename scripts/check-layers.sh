#!/usr/bin/env bash
# Checks authd's arrows by grep, before anything is built (the build checks the
# same with poison headers; this names every offending line at once and needs no
# compiler). Each room may include its own headers, the rooms listed for it, the
# standard library and the libraries the room wraps. Prints file:line: text for
# every include that breaks a rule; exits 1 if there is any.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/authd"

# room → the authd folders it may include from (besides its own).
declare -A MAY=(
  [core]=""
  [config]="core"
  [events]="core"
  [tokens]="core events"
  [keys]="core events"
  [accounts]="core tokens events"
  [verify]="core events keys tokens accounts"
  [store/pg]="core config events keys tokens accounts verify"
  [store/redis]="core config events keys tokens accounts verify"
  [store]="core events keys tokens accounts verify store/pg store/redis"
  [http]="core config events keys tokens accounts verify"
  [metrics]="core events keys tokens accounts verify http"
  [delivery]="core config events"
)
# Third-party headers that belong to one room only (a domain room reaches them through an interface).
declare -A OWNER=([pqxx]=store/pg [hiredis]=store/redis [pistache]=http [prometheus]=metrics [curl]=delivery [argon2.h]=accounts [crypt.h]=accounts)

bad=0
report() {
  printf '%s\n' "$1" >&2
  bad=1
}

while IFS= read -r -d '' file; do
  rel="${file#./}"
  room="$(dirname "$rel")"
  # Files directly in authd/ (main.cpp, app.cpp) are the composition root: they may include anything.
  [ "$room" = . ] && continue
  [ -n "${MAY[$room]+x}" ] || { report "authd/$rel: folder '$room' is not a known room; add it to scripts/check-layers.sh and authd/CMakeLists.txt"; continue; }
  allowed=" $room ${MAY[$room]} "
  lineno=0
  while IFS= read -r line; do
    lineno=$((lineno + 1))
    [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]+)[\"\>] ]] || continue
    quote="${BASH_REMATCH[1]}" target="${BASH_REMATCH[2]}"
    if [ "$quote" = '"' ]; then
      from="$(dirname "$target")"
      case "$allowed" in *" $from "*) ;; *)
        report "authd/$rel:$lineno: $line  <- '$room' may not include from '$from' (allowed: ${allowed# })" ;;
      esac
    else
      top="${target%%/*}"
      owner="${OWNER[$top]:-}"
      if [ -n "$owner" ] && [ "$owner" != "$room" ]; then
        report "authd/$rel:$lineno: $line  <- <$top> belongs in authd/$owner/ only"
      fi
    fi
  done <"$file"
done < <(find . -name '*.hpp' -print0 -o -name '*.cpp' -print0 | sort -z)

if [ "$bad" -ne 0 ]; then
  echo "[layers] authd's rooms include across their arrows (see the lines above and STYLE.md)" >&2
  exit 1
fi
echo "[layers] every include follows the arrows"
