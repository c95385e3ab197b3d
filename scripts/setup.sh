#!/usr/bin/env bash
# Installs what kpf needs on Debian 12 and builds it. Idempotent: a second run installs nothing and skips the
# build when nothing changed. Usage: scripts/setup.sh [--no-build]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

packages=(clang llvm libbpf-dev libbpf1 bpftool iproute2 iptables nftables tmux curl unzip ca-certificates procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# kubectl for the cross-checks: the image may ship its own at /usr/bin/kubectl; Debian's kubernetes-client
# installs the same path, so it is only installed when no kubectl is found.
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# promtool checks the agent's metrics in the tests: taken from Debian's prometheus package, unpacked only (installing
# the package would also install and start a Prometheus server).
if ! command -v promtool >/dev/null && [ "$(id -u)" -eq 0 ]; then
  tools=/var/cache/kpf-tools
  mkdir -p "$tools"
  echo "setup: fetching promtool (Debian's prometheus package, unpacked under $tools)"
  (cd "$tools" && rm -f prometheus_*.deb && apt-get download -qq prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq prometheus; }) >/dev/null
  dpkg-deb -x "$(ls "$tools"/prometheus_*.deb | head -1)" "$tools/prometheus"
  install -m 0755 "$tools/prometheus/usr/bin/promtool" /usr/local/bin/promtool
fi

# The BPF filesystem holds kpf's pins.
if ! mountpoint -q /sys/fs/bpf; then
  if [ "$(id -u)" -eq 0 ]; then
    mount -t bpf bpf /sys/fs/bpf && echo "setup: mounted bpffs at /sys/fs/bpf"
  else
    echo "setup: bpffs is not mounted at /sys/fs/bpf (as root: mount -t bpf bpf /sys/fs/bpf)" >&2
  fi
fi

kpf_require_java_home

[ "${1:-}" = "--no-build" ] && exit 0

# Build when the jar is missing or older than any source, pom or BPF file.
jar="$repo/tui/target/kpf.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$repo" -path "$repo/.git" -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.c' -o -name '*.h' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
  echo "setup: building kpf (./mvnw package)"
  (cd "$repo" && ./mvnw -q -B -DskipTests package)
fi
# The start-up cache bin/kpf uses (it would make it on its first call otherwise).
kpf_aot_path "$jar"
kpf_aot_cache "$jar" "$KPF_AOT_PATH" || echo "setup: no ahead-of-time cache made; kpf starts without it"
