#!/usr/bin/env bash
# Compiles every *.bpf.c in SRC_DIR into OUT_DIR/*.bpf.o with clang (BPF target, BTF, -O2).
# Called by the Maven build; fails the build with clang's message when a program does not compile.
set -euo pipefail
src=${1:?usage: compile-bpf.sh SRC_DIR OUT_DIR}
out=${2:?usage: compile-bpf.sh SRC_DIR OUT_DIR}
clang=${CLANG:-clang}
command -v "$clang" >/dev/null || { echo "compile-bpf: clang not found; run ./scripts/setup.sh (installs clang, llvm, libbpf-dev)" >&2; exit 1; }
mkdir -p "$out"
arch_inc=/usr/include/$(uname -m)-linux-gnu
shopt -s nullglob
for c in "$src"/*.bpf.c; do
  o="$out/$(basename "${c%.c}").o"
  if [ "$o" -nt "$c" ] && [ -z "$(find "$src" -name '*.h' -newer "$o" -print -quit)" ]; then continue; fi
  "$clang" -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I"$arch_inc" -I"$src" -c "$c" -o "$o"
done
