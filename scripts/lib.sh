# Shared by bin/kpf and the set-up scripts. Sourced, not run.

# Prints the path of a Java 25+ home: $JAVA_HOME if it is one, else /usr/lib/jvm/temurin-25*.
kpf_find_java_home() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major=""
    # the JDK's release file answers without starting a JVM (about 50 ms on every bin/kpf call otherwise)
    [ -f "$candidate/release" ] && major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$candidate/release")
    [ -n "$major" ] || major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

kpf_require_java_home() {
  if ! KPF_JAVA_HOME=$(kpf_find_java_home); then
    echo "kpf needs Java 25 (Temurin): set JAVA_HOME to a JDK 25, or install one under /usr/lib/jvm/temurin-25-jdk-amd64" >&2
    echo "(JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm/temurin-25*)" >&2
    exit 2
  fi
  export JAVA_HOME=$KPF_JAVA_HOME
}

# Makes $2 (an AOT cache, JEP 483/514/515) for the jar $1 when it is missing or older than the jar: one training run
# of `kpf probe --json` (about 1.5 s), whose loaded and linked classes and method profiles later starts reuse. The
# cache is written under a temporary name and renamed, so concurrent callers never read half a file. Returns 1 when
# no cache could be made (the caller then starts without it).
kpf_aot_cache() {
  local jar=$1 aot=$2
  [ -f "$aot" ] && [ ! "$jar" -nt "$aot" ] && return 0
  [ -w "$(dirname "$aot")" ] || return 1
  local tmp="$aot.$$"
  # the probe's own exit code (its verdict) does not matter, only whether the cache was written
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:AOTCacheOutput="$tmp" -Xlog:aot=off -Xlog:cds=off \
      -jar "$jar" probe --json >/dev/null 2>&1 || true
  if [ -s "$tmp" ]; then
    mv -f "$tmp" "$aot"
    rm -f "$tmp.config"
    return 0
  fi
  rm -f "$tmp" "$tmp.config"
  return 1
}
