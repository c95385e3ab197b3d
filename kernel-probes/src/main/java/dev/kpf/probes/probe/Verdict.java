package dev.kpf.probes.probe;

/** Can this node run without kube-proxy? Exit codes of `kpf probe`: ready 0, not ready 1, unknown 2. */
public enum Verdict {
    READY(0), NOT_READY(1), UNKNOWN(2);

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public String label() {
        return switch (this) {
            case READY -> "ready";
            case NOT_READY -> "not ready";
            case UNKNOWN -> "unknown";
        };
    }
}
