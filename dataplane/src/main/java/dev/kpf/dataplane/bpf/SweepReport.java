package dev.kpf.dataplane.bpf;

/**
 * What a conntrack sweep did: entries read, entries deleted (both entries of each flow), of them entries of UDP flows
 * to backends that left, and its cost (CPU time of the sweeping thread, wall time).
 */
public record SweepReport(int scanned, int deleted, int purged, long cpuNanos, long wallNanos) {
    public static final SweepReport NONE = new SweepReport(0, 0, 0, 0, 0);
}
