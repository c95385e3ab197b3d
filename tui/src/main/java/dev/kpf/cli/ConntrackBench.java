package dev.kpf.cli;

import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.FlowEntry;
import dev.kpf.dataplane.bpf.FlowKey;
import dev.kpf.dataplane.bpf.PinnedConntrack;
import dev.kpf.dataplane.bpf.SweepReport;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.PinDirectory;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The conntrack sweep's cost, measured on the live kpf_ct map of a benchmark's datapath: it is filled with FLOWS
 * flows (two entries each, as the programs make them), half of them ended long ago, then swept twice (the first
 * deletes the ended half, the second only reads). Reports CPU time of the sweeping thread per 100,000 entries read.
 */
final class ConntrackBench {
    private ConntrackBench() {}

    record Result(int entries, SweepReport deleting, SweepReport reading) {
        double cpuMsPer100k(SweepReport r) {
            return r.cpuNanos() / 1e6 * 100_000 / Math.max(1, r.scanned());
        }
    }

    static Result run(BpfDatapath datapath, PinDirectory pins, int flows) throws Exception {
        long now = System.nanoTime(), ended = now - 3_600_000_000_000L * 3;
        try (BpfMap<FlowKey, FlowEntry> ct = PinnedConntrack.open(pins)) {
            ct.deleteBatch(ct.keys());
            InetAddress snat = InetAddress.ofLiteral("10.120.0.1"), frontend = snat, backend = InetAddress.ofLiteral("10.121.0.2");
            Map<FlowKey, FlowEntry> batch = new HashMap<>();
            for (int i = 0; i < flows; i++) {
                // clients 10.200.0.0/16 with 16 ports each, to the NodePort; SNAT ports spread over kpf's range
                InetAddress client = InetAddress.ofLiteral("10.200." + (i >> 12 & 0xff) + "." + (i >> 4 & 0xff));
                int clientPort = 40000 + (i & 0xf), snatPort = 1024 + i % 31744, backendPort = 8080 + i / 31744;
                long last = i % 2 == 0 ? ended : now;
                FlowKey orig = new FlowKey(client, clientPort, frontend, 32767, FlowKey.TCP);
                FlowKey reply = new FlowKey(backend, backendPort, snat, snatPort, FlowKey.TCP);
                batch.put(orig, new FlowEntry(backend, backendPort, snat, snatPort, 1, FlowEntry.SNAT, last, last));
                batch.put(reply, new FlowEntry(client, clientPort, frontend, 32767, 1, FlowEntry.SNAT | FlowEntry.REPLY, last, last));
            }
            ct.updateBatch(batch);
            return new Result(batch.size(), datapath.sweepConntrack(), datapath.sweepConntrack());
        }
    }
}
