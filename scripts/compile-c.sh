#!/usr/bin/env bash
# Compiles every *.c in SRC_DIR into an executable OUT_DIR/NAME (test helpers such as the traffic peer).
set -euo pipefail
src=${1:?usage: compile-c.sh SRC_DIR OUT_DIR}
out=${2:?usage: compile-c.sh SRC_DIR OUT_DIR}
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "compile-c: $cc not found; run ./scripts/setup.sh" >&2; exit 1; }
mkdir -p "$out"
shopt -s nullglob
for c in "$src"/*.c; do
  exe="$out/$(basename "${c%.c}")"
  [ "$exe" -nt "$c" ] && continue
  "$cc" -O2 -Wall -Werror -o "$exe" "$c"
done
