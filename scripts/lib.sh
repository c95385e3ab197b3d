# Shared by bin/kpf and the set-up scripts. Sourced, not run.

# Sets KPF_RELEASE_VERSION to the JAVA_VERSION of the JDK at $1 as its release file says (empty without one), with
# bash builtins only: bin/kpf runs this on every call, and each process a call starts costs it a few milliseconds
# (`kpf probe` is measured against bpftool from a cold start).
kpf_release_version() {
  KPF_RELEASE_VERSION=""
  [ -f "$1/release" ] || return 0
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      JAVA_VERSION=*)
        line=${line#JAVA_VERSION=}
        line=${line#\"}
        KPF_RELEASE_VERSION=${line%\"}
        return 0
        ;;
    esac
  done < "$1/release"
}

# Sets KPF_JAVA_HOME to a Java 25+ home: $JAVA_HOME if it is one, else /usr/lib/jvm/temurin-25*; returns 1 if none.
kpf_find_java_home() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    # the JDK's release file answers without starting a JVM (about 50 ms on every bin/kpf call otherwise)
    kpf_release_version "$candidate"
    major=${KPF_RELEASE_VERSION%%[!0-9]*}
    [ -n "$major" ] || major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      KPF_JAVA_HOME=$candidate
      return 0
    fi
  done
  return 1
}

kpf_require_java_home() {
  if ! kpf_find_java_home; then
    echo "kpf needs Java 25 (Temurin): set JAVA_HOME to a JDK 25, or install one under /usr/lib/jvm/temurin-25-jdk-amd64" >&2
    echo "(JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm/temurin-25*)" >&2
    exit 2
  fi
  export JAVA_HOME=$KPF_JAVA_HOME
}

# Sets KPF_AOT_PATH to the ahead-of-time cache (JEPs 483/514/515) for the jar $1 (a path with a directory) and this
# JDK: a cache belongs to one JDK build (the JVM refuses, silently with kpf's logging, one another build made), so
# the JDK's version is in its name.
kpf_aot_path() {
  kpf_release_version "$JAVA_HOME"
  KPF_AOT_PATH="${1%/*}/kpf-${KPF_RELEASE_VERSION:-unknown}.aot"
}

# Whether the cache $2 is newer than the jar $1 and the JDK.
kpf_aot_fresh() {
  [ -f "$2" ] && [ ! "$1" -nt "$2" ] && { [ ! -f "$JAVA_HOME/release" ] || [ ! "$JAVA_HOME/release" -nt "$2" ]; }
}

# Makes the cache $2 for the jar $1 unless it is fresh: one training run of `kpf probe --json` (about 1.5 s, bounded
# to 60 s), whose loaded and linked classes and method profiles later starts reuse. It is written under a
# temporary name and renamed, so concurrent callers never read half a file. A training run that writes nothing
# leaves $2.failed, and none is tried again until the jar changes. Returns 1 when there is no cache (the caller
# then starts without it).
kpf_aot_cache() {
  local jar=$1 aot=$2
  kpf_aot_fresh "$jar" "$aot" && return 0
  [ -f "$aot.failed" ] && [ ! "$jar" -nt "$aot.failed" ] && return 1
  [ -w "$(dirname "$aot")" ] || return 1
  local tmp="$aot.$$"
  trap 'rm -f "$tmp" "$tmp.config"; exit 130' INT TERM
  # the probe's own exit code (its verdict) does not matter, only whether the cache was written
  timeout 60 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:AOTCacheOutput="$tmp" -Xlog:aot=off -Xlog:cds=off \
      -cp "$jar" dev.kpf.cli.Main probe --json >/dev/null 2>&1 || true
  trap - INT TERM
  if [ -s "$tmp" ]; then
    mv -f "$tmp" "$aot"
    rm -f "$tmp.config" "$aot.failed"
    return 0
  fi
  rm -f "$tmp" "$tmp.config"
  touch "$aot.failed"
  return 1
}
