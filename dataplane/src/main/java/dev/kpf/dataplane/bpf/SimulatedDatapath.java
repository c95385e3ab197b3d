package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;

import java.time.Duration;
import java.util.List;

/** The datapath for runs without BPF privileges: the table is kept in memory, and says it is simulated. */
public final class SimulatedDatapath implements Datapath {
    private LbTable programmed = LbTable.empty();

    @Override
    public synchronized SyncReport apply(LbTable desired) {
        long t = System.nanoTime();
        var diff = desired.diff(programmed);
        programmed = desired;
        return new SyncReport(diff.added().size() + diff.changed().size(), diff.removed().size(), 0, 0, List.of(),
                Duration.ofNanos(System.nanoTime() - t));
    }

    @Override
    public synchronized LbTable readBack() {
        return programmed;
    }

    @Override
    public boolean simulated() {
        return true;
    }

    @Override
    public String describe() {
        return "simulated (in memory, no BPF: not serving traffic)";
    }

    @Override
    public void close() {
    }
}
