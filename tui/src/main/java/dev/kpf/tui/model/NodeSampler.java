package dev.kpf.tui.model;

import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.diagnostics.node.NodeFactsReader;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

/** Samples the node through OSHI: facts now and then, CPU and memory use every call, with a short history. */
public final class NodeSampler {
    private final NodeFactsReader facts = new NodeFactsReader();
    private final CentralProcessor cpu;
    private final GlobalMemory memory;
    private final double[] cpuRing, memRing;
    private long[] ticks;
    private int next, filled;
    private NodeFacts lastFacts;
    private int calls;

    public NodeSampler(int history) {
        SystemInfo system = new SystemInfo();
        this.cpu = system.getHardware().getProcessor();
        this.memory = system.getHardware().getMemory();
        this.cpuRing = new double[history];
        this.memRing = new double[history];
        this.ticks = cpu.getSystemCpuLoadTicks();
    }

    /** One sample; facts are re-read every 10th call (addresses and uptime change slowly). */
    public NodeView sample() {
        try {
            if (lastFacts == null || calls++ % 10 == 0) lastFacts = facts.read();
            double load = cpu.getSystemCpuLoadBetweenTicks(ticks) * 100;
            ticks = cpu.getSystemCpuLoadTicks();
            double used = memory.getTotal() == 0 ? 0 : (memory.getTotal() - memory.getAvailable()) * 100.0 / memory.getTotal();
            cpuRing[next] = load;
            memRing[next] = used;
            next = (next + 1) % cpuRing.length;
            filled = Math.min(cpuRing.length, filled + 1);
            return new NodeView(lastFacts, ordered(cpuRing), ordered(memRing), null);
        } catch (RuntimeException e) {
            return NodeView.unavailable(e.getMessage());
        }
    }

    private double[] ordered(double[] ring) {
        double[] out = new double[filled];
        for (int i = 0; i < filled; i++) out[i] = ring[Math.floorMod(next - filled + i, ring.length)];
        return out;
    }
}
