package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.agent.Agent;
import dev.kpf.dataplane.agent.AgentMetrics;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * An agent as its own process for {@link AgentRestartKernelIT}: a directory source, the BPF datapath on a test
 * cgroup and pin directory. Prints "ready" after the first sync and one "sync written=N deleted=M" line per sync;
 * runs until killed (at most 120 s).
 */
public final class AgentMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PinDirectory pins = new PinDirectory(Path.of(args[1]));
        Path cgroup = Path.of(args[2]);
        BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup, Map.of()));
        System.out.println("adopted=" + datapath.adopted());
        Datapath reporting = new Datapath() {
            boolean first = true;
            public SyncReport apply(dev.kpf.dataplane.lb.LbTable desired) {
                SyncReport r = datapath.apply(desired);
                System.out.println("sync written=" + (r.frontendsWritten() + r.backendsWritten()) + " deleted=" + (r.frontendsDeleted() + r.backendsDeleted()));
                if (first) System.out.println("ready");
                first = false;
                System.out.flush();
                return r;
            }
            public dev.kpf.dataplane.lb.LbTable readBack() { return datapath.readBack(); }
            public boolean simulated() { return false; }
            public String describe() { return datapath.describe(); }
            public void close() { datapath.close(); }
        };
        Agent agent = new Agent(new DirectorySource(dir, Duration.ofMillis(100), Clock.systemUTC()), new ServiceTranslator("node-a"),
                reporting, new AgentMetrics(), Clock.systemUTC());
        agent.start();
        Thread.sleep(120_000);
    }
}
