#!/usr/bin/env bash
# kpf's kernel matrix: boots Debian's kernels under qemu (TCG: no KVM needed) with this machine's root shared
# read-only over virtio-9p and a tmpfs overlay on top, runs the datapath's kernel tests inside (one JVM per boot,
# dev.kpf.dataplane.bpf.KernelMatrixMain), and prints a table kernel x test, this machine's kernel included.
#
#   scripts/kernel-matrix.sh [KERNEL ...]        kernels: 5.10 (bullseye), 6.1 (bookworm), host; default: all three
#   KPF_MATRIX_TESTS="SocketLbKernelIT ..."      test classes (default: the socket and tc datapath tests)
#   KPF_MATRIX_CACHE=DIR                         downloaded kernels and built initramfs (default /var/cache/kpf-kernel-matrix)
#
# Kernel packages are downloaded and unpacked only (dpkg-deb -x), never installed. Needs root (qemu's 9p passthrough
# of /, the host run) and a built tree (scripts/setup.sh). Exit status: 0 when no test failed, 1 otherwise.
set -euo pipefail
shopt -s inherit_errexit
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"
kpf_require_java_home
cache=${KPF_MATRIX_CACHE:-/var/cache/kpf-kernel-matrix}
tests=${KPF_MATRIX_TESTS:-"ProbeAgreementKernelIT SocketLbKernelIT TraceKernelIT ChurnRegressionKernelIT UdpSocketTerminationKernelIT TcDatapathKernelIT TcConntrackKernelIT TcPathKernelIT TcPlacementKernelIT PinnedCgroupLinkKernelIT"}
kernels=("$@")
[ ${#kernels[@]} -eq 0 ] && kernels=(host 5.10 6.1)
mkdir -p "$cache"

packages=()
for p in qemu-system-x86 busybox-static kmod cpio; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || packages+=("$p")
done
if [ ${#packages[@]} -gt 0 ]; then
  echo "kernel-matrix: installing ${packages[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# The tests' class path, once per build (Maven is not run inside the VM).
cp_file="$repo/dataplane/target/matrix-classpath.txt"
if [ ! -s "$cp_file" ] || [ "$repo/dataplane/pom.xml" -nt "$cp_file" ]; then
  (cd "$repo" && ./mvnw -q -B -ntp org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath -pl dataplane \
      -Dmdep.outputFile=target/matrix-classpath.txt -Dmdep.includeScope=test)
fi
classpath="$repo/dataplane/target/test-classes:$repo/dataplane/target/classes:$(cat "$cp_file")"
[ -x "$repo/dataplane/target/test-classes/bin/kpf_peer" ] || { echo "kernel-matrix: build first (./run-tests or scripts/setup.sh)" >&2; exit 2; }

# The command every run executes (on the host, or as the VM's init's last step, in the shared root).
guest="$cache/run-tests.sh"
cat > "$guest" <<EOF
#!/bin/sh
ip link set lo up 2>/dev/null
cd "$repo/dataplane" && CI=true "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -cp "$classpath" dev.kpf.dataplane.bpf.KernelMatrixMain $tests
EOF
chmod +x "$guest"

# Downloads and unpacks Debian's newest linux-image-VER.0-N-amd64-unsigned; prints the unpacked directory.
fetch_kernel() {
  local ver=$1 list=() pkg dir
  if [ "$ver" = "5.10" ]; then
    # bullseye through a temporary sources list of our own (this machine's apt state is left alone)
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" > "$cache/bullseye.list"
    mkdir -p "$cache/lists/partial"
    list=(-o "Dir::Etc::SourceList=$cache/bullseye.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$cache/lists")
    [ -n "$(ls "$cache/lists" 2>/dev/null | grep -v partial)" ] || apt-get "${list[@]}" update -qq >&2
  fi
  pkg=$(apt-cache "${list[@]}" search --names-only "^linux-image-${ver}.0-[0-9]+-amd64-unsigned\$" | sort -V | tail -1 | cut -d' ' -f1)
  [ -n "$pkg" ] || { echo "kernel-matrix: no linux-image-${ver} package found" >&2; return 1; }
  dir="$cache/$pkg"
  if [ ! -d "$dir/boot" ]; then
    (cd "$cache" && apt-get "${list[@]}" download -qq "$pkg" >&2)
    dpkg-deb -x "$cache/${pkg}"_*.deb "$dir"
  fi
  echo "$dir"
}

# A busybox initramfs that mounts the host's root over 9p with a tmpfs overlay and runs $guest; prints its path.
build_initrd() {
  local dir=$1 kver=$2 out="$1/kpf-initrd.cpio.gz" root="$1/initrd-root"
  [ -f "$out" ] && [ "$out" -nt "$0" ] && { echo "$out"; return; }
  rm -rf "$root" && mkdir -p "$root"/{bin,lib/modules,proc,sys,dev,lower,upper,newroot}
  cp /bin/busybox "$root/bin/busybox"
  depmod -b "$dir" "$kver"
  : > "$root/modules.order"
  for m in virtio_pci 9pnet_virtio 9p overlay veth sch_ingress cls_bpf; do
    modprobe -d "$dir" -S "$kver" --show-depends "$m" | while read -r kind path _; do
      [ "$kind" = insmod ] || continue
      local name; name=$(basename "$path")
      grep -qx "$name" "$root/modules.order" && continue
      case "$path" in
        *.xz) xz -dc "$path" > "$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
        *) cp "$path" "$root/lib/modules/$name" ;;
      esac
      echo "$name" >> "$root/modules.order"
    done
  done
  cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower || { echo "KPF-MATRIX-ERROR no 9p root"; poweroff -f; }
mount -t tmpfs tmpfs /upper && mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot
mount -t proc proc /newroot/proc; mount -t sysfs sys /newroot/sys; mount -t devtmpfs dev /newroot/dev
# /tmp stays the host's, seen through the overlay (writes land in tmpfs): a checkout under /tmp, as CI's may be, is visible
mount -t tmpfs tmpfs /newroot/run
mount -t bpf bpf /newroot/sys/fs/bpf; mount -t tmpfs tmpfs /newroot/sys/fs/cgroup
mkdir -p /newroot/sys/fs/cgroup/unified && mount -t cgroup2 none /newroot/sys/fs/cgroup/unified
cmd=$(sed -n 's/.*kpf.run=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "KPF-MATRIX-BOOTED $(uname -r)"
chroot /newroot /bin/sh -c "$cmd"
echo "KPF-MATRIX-EXIT $?"
poweroff -f
EOF
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp" && mv "$out.tmp" "$out"
  echo "$out"
}

results="$cache/results.txt"
: > "$results"
for k in "${kernels[@]}"; do
  log="$cache/run-$k.log"
  start=$(date +%s)
  if [ "$k" = host ]; then
    echo "kernel-matrix: host kernel $(uname -r)" >&2
    "$guest" > "$log" 2>&1 || true
  else
    dir=$(fetch_kernel "$k")
    kver=$(ls "$dir/lib/modules" | head -1)
    initrd=$(build_initrd "$dir" "$kver")
    echo "kernel-matrix: booting $kver under qemu (TCG)" >&2
    timeout 1800 qemu-system-x86_64 -machine pc,accel=tcg -cpu max -smp 2 -m 3072 -nodefaults -display none -serial stdio -no-reboot \
      -nic none -device virtio-rng-pci -kernel "$dir/boot/vmlinuz-$kver" -initrd "$initrd" \
      -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
      -append "console=ttyS0 quiet panic=-1 kpf.run=$guest" < /dev/null > "$log" 2>&1 || true
  fi
  grep -a "^KPF-MATRIX " "$log" | tr -d '\r' >> "$results" || true
  grep -aq "KPF-MATRIX-DONE" "$log" || echo "KPF-MATRIX $k (run) (did-not-finish) fail see $log" >> "$results"
  echo "kernel-matrix: $k took $(( $(date +%s) - start )) s (log $log)" >&2
done

# The table: one row per test, one column per kernel.
awk '
  { k=$2; t=$3 "." $4; s=$5; if (!(k in seenk)) { seenk[k]=1; ks[++nk]=k }
    if (!(t in seent)) { seent[t]=1; ts[++nt]=t } r[t, k]=s; if (s != "pass") why[t, k]=substr($0, index($0, $6)) }
  END {
    printf "%-90s", "test"; for (i=1;i<=nk;i++) printf " %-22s", ks[i]; printf "\n"
    for (j=1;j<=nt;j++) { printf "%-90s", substr(ts[j], 1, 90); for (i=1;i<=nk;i++) printf " %-22s", ((ts[j], ks[i]) in r ? r[ts[j], ks[i]] : "-"); printf "\n" }
    printf "\nnot passed:\n"
    for (j=1;j<=nt;j++) for (i=1;i<=nk;i++) if ((ts[j], ks[i]) in why) printf "  %s on %s: %s\n", ts[j], ks[i], substr(why[ts[j], ks[i]], 1, 200)
  }' "$results"
! grep -q " fail " "$results"
