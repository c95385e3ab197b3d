package dev.kpf.dataplane.trace;

import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.DirectoryLock;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Switches tracing on and off through the pinned kpf_trace_cfg and kpf_trace_rings: a tracer claims a free slot for
 * its ring buffer (the programs then write to it) and frees it when it leaves; tracing is off when no slot is in
 * use. Every change happens under an exclusive lock of the pin directory, so tracers in several processes do not
 * race. A tracer holds a shared lock on its slot's directory ({@code trace_slots/N} under the pins) for as long as
 * it lives; a slot in use whose directory nobody holds belongs to a tracer that died without cleaning up (kill -9,
 * in any pid namespace) and is freed by {@link #sweep()}, which every claim runs and the agent runs periodically.
 */
public final class TraceControl implements AutoCloseable {
    static final String SLOT_DIRECTORY = "trace_slots";

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

    /** A slot held: its number, who holds it, and the shared lock that says the holder is alive. */
    record Claim(int slot, TraceConfig.Owner owner, DirectoryLock alive) {}

    /** Puts the ring buffer {@code ringFd} into a free slot for this process and returns the claim. */
    Claim claim(int ringFd, boolean notServices) {
        try (DirectoryLock lock = DirectoryLock.exclusive(pins.root())) {
            TraceConfig c = sweepLocked();
            for (int slot = 0; slot < TraceConfig.SLOTS; slot++) {
                if (c.used(slot)) continue;
                DirectoryLock alive = DirectoryLock.shared(slotDirectory(slot));
                try {
                    TraceConfig.Owner me = TraceConfig.Owner.self(notServices ? TraceConfig.WANT_NOT_SERVICE : 0);
                    rings.update(slot, ringFd); // the ring first, then the bit the programs test
                    config.update(0, c.with(slot, me));
                    return new Claim(slot, me, alive);
                } catch (RuntimeException e) {
                    alive.close();
                    throw e;
                }
            }
            throw new DatapathException(TraceConfig.SLOTS + " tracers are already running on this node (pids "
                    + c.owners().stream().map(o -> Integer.toString(o.pid())).toList() + "): stop one of them", null);
        }
    }

    /** Frees the claimed slot if it is still this claim's: the bit goes first, so the programs stop writing before the ring leaves. */
    void release(Claim claim) {
        try (DirectoryLock lock = DirectoryLock.exclusive(pins.root())) {
            TraceConfig c = current();
            if (c.used(claim.slot()) && c.owners().get(claim.slot()).equals(claim.owner())) free(c, claim.slot());
        } finally {
            claim.alive().close();
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

    /** How many events the ring in {@code slot} had no room for since it was claimed. */
    long lost(int slot) {
        return current().lost().get(slot);
    }

    private TraceConfig sweepLocked() {
        TraceConfig c = current();
        for (int slot = 0; slot < TraceConfig.SLOTS; slot++) {
            if (c.used(slot) && !held(slot)) c = free(c, slot);
        }
        return c;
    }

    /** Whether a live tracer holds the slot's directory (only a dead one's lock is gone). */
    private boolean held(int slot) {
        Optional<DirectoryLock> probe = DirectoryLock.tryExclusive(slotDirectory(slot));
        probe.ifPresent(DirectoryLock::close);
        return probe.isEmpty();
    }

    private Path slotDirectory(int slot) {
        Path dir = pins.path(SLOT_DIRECTORY + "/" + slot);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + dir + " (the tracers' liveness locks): " + e.getMessage(), e);
        }
        return dir;
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
