package dev.kpf.diagnostics;

/** A DaemonSet as `kubectl get daemonsets --all-namespaces` shows it. */
public record DaemonSetRow(String namespace, String name, long desired, long current, long ready, long upToDate, long available,
                           String nodeSelector) {
    /** Every wanted pod is scheduled, ready, up to date and available. */
    public boolean healthy() {
        return desired == current && desired == ready && desired == upToDate && desired == available;
    }

    public String readiness() {
        return ready + "/" + desired + " ready, " + upToDate + " up to date, " + available + " available";
    }
}
