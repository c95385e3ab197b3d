package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;

/**
 * Where the table is programmed: the kernel's BPF maps ({@link BpfDatapath}) or memory for unprivileged runs
 * ({@link SimulatedDatapath}). {@link #apply} makes the programmed state equal to the desired table, writing only
 * what differs; {@link #readBack} returns what is programmed, read back from where it lives.
 */
public interface Datapath extends AutoCloseable {
    SyncReport apply(LbTable desired);

    /**
     * Applies a change: {@code diff} leads from what is programmed to {@code desired}. Implementations may use
     * the diff alone; the default re-applies the whole table.
     */
    default SyncReport applyChanges(LbTable desired, dev.kpf.dataplane.lb.LbDiff diff) {
        return apply(desired);
    }

    /**
     * Like {@link #apply}, after reading back what is really programmed instead of trusting what was written: repairs
     * entries changed or lost behind the writer's back. The default is {@link #apply}.
     */
    default SyncReport reconcile(LbTable desired) {
        return apply(desired);
    }

    LbTable readBack();

    /** Entries used and capacity of each map, for metrics; empty for the simulated datapath. */
    default java.util.Map<String, long[]> mapUsage() {
        return java.util.Map.of();
    }

    /** The programs' connect and refusal counters per frontend and backend; none for the simulated datapath. */
    default Counters counters() {
        return Counters.NONE;
    }

    /** The interfaces traffic from outside the node is served on (tc); none for socket-level only. */
    default java.util.List<String> devices() {
        return java.util.List.of();
    }

    /** What the tc datapath counted (dropped and translated packets), by event; empty without it. */
    default java.util.Map<TcEvent, Long> tcEvents() {
        return java.util.Map.of();
    }

    /** Frees conntrack entries of flows that ended; nothing without the tc datapath. */
    default SweepReport sweepConntrack() {
        return SweepReport.NONE;
    }

    /** How the tc programs are attached to {@link #devices()}: "tcx" links or "clsact" filters; empty without devices. */
    default String tcAttach() {
        return "";
    }

    /** True for the in-memory stand-in; every surface that shows its state says so. */
    boolean simulated();

    String describe();

    @Override
    void close();
}
