# Shared by bin/kpf and the set-up scripts. Sourced, not run.

# Prints the path of a Java 25+ home: $JAVA_HOME if it is one, else /usr/lib/jvm/temurin-25*.
kpf_find_java_home() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major
    major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
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
