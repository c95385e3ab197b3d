package dev.kpf.dataplane.trace;

import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.DirectoryLock;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Files;

/**
 * Switches tracing on and off through the pinned kpf_trace_cfg and kpf_trace_rings: a tracer claims a free slot for
 * its ring buffer (the programs then write to it) and frees it when it leaves; tracing is off when no slot is in
 * use. Every change happens under a lock on the pin directory, so tracers in several processes do not race. A slot
 * whose owner died (kill -9) is freed by {@link #sweep()}, which every claim runs and the agent runs periodically.
 */
public final class TraceControl implements AutoCloseable {
    private final PinDirectory pins;
    private final BpfMap<Integer, TraceConfig> config;
    private final BpfMap<Integer, Integer> rings;

    private TraceControl(PinDirectory pins, BpfMap<Integer, TraceConfig> config, BpfMap<Integer, Integer> rings) {
        this.pins = pins;
        this.config = config;
        this.rings = rings;
    }

    /** Opens the pinned tracing maps; fails with the remedy when the agent never pinned them. */
    public static TraceControl open(PinDirectory pins) {
        if (!Files.exists(pins.path(MapLayout.TRACE_CFG)) || !Files.exists(pins.path(MapLayout.TRACE_RINGS))) {
            throw new DatapathException("no kpf tracing maps are pinned under " + pins.root() + ": start the agent (kpf agent) of "
                    + "this kpf version, or pass the agent's --bpffs directory", null);
        }
        BpfMap<Integer, TraceConfig> config = BpfMap.openPinned(pins.path(MapLayout.TRACE_CFG), MapCodec.u32(), TraceConfig.CODEC);
        try {
            return new TraceControl(pins, config, BpfMap.openPinned(pins.path(MapLayout.TRACE_RINGS), MapCodec.u32(), MapCodec.u32()));
        } catch (RuntimeException e) {
            config.close();
            throw e;
        }
    }

    /** Puts the ring buffer {@code ringFd} into a free slot for this process and returns the slot. */
    int claim(int ringFd) {
        try (DirectoryLock lock = DirectoryLock.exclusive(pins.root())) {
            TraceConfig c = sweepLocked();
            for (int slot = 0; slot < TraceConfig.SLOTS; slot++) {
                if (c.used(slot)) continue;
                rings.update(slot, ringFd); // the ring first, then the bit the programs test
                config.update(0, c.with(slot, TraceConfig.Owner.self()));
                return slot;
            }
            throw new DatapathException(TraceConfig.SLOTS + " tracers are already running on this node (pids "
                    + c.owners().stream().map(o -> Integer.toString(o.pid())).toList() + "): stop one of them", null);
        }
    }

    /** Frees {@code slot}: the bit goes first, so the programs stop writing before the ring leaves the slot. */
    void release(int slot) {
        try (DirectoryLock lock = DirectoryLock.exclusive(pins.root())) {
            free(current(), slot);
        }
    }

    /** Frees the slots of tracers that are gone; returns how many. */
    public int sweep() {
        try (DirectoryLock lock = DirectoryLock.exclusive(pins.root())) {
            TraceConfig before = current();
            TraceConfig after = sweepLocked();
            return Integer.bitCount(before.mask() & ~after.mask());
        }
    }

    /** Whether any tracer has a slot, i.e. the programs write trace events. */
    public boolean on() {
        return current().mask() != 0;
    }

    /** How many tracers hold a slot. */
    public int tracers() {
        return Integer.bitCount(current().mask());
    }

    private TraceConfig sweepLocked() {
        TraceConfig c = current();
        for (int slot = 0; slot < TraceConfig.SLOTS; slot++) {
            if (c.used(slot) && !c.owners().get(slot).alive()) c = free(c, slot);
        }
        return c;
    }

    private TraceConfig free(TraceConfig c, int slot) {
        TraceConfig after = c.with(slot, TraceConfig.Owner.NONE);
        config.update(0, after);
        rings.delete(slot);
        return after;
    }

    private TraceConfig current() {
        return config.lookup(0).orElse(TraceConfig.EMPTY);
    }

    @Override
    public void close() {
        config.close();
        rings.close();
    }
}
