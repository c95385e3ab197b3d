package dev.kpf.dataplane.trace;

import dev.kpf.probes.bpf.MapCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Slot 0 of kpf_trace_cfg ({@code struct kpf_trace_config}): which ring slots are in use (the programs read only
 * this mask) and which process owns each, so that a tracer that died without cleaning up can be found.
 */
record TraceConfig(int mask, List<Owner> owners) {
    static final int SLOTS = 8;
    static final int RING_BYTES = 256 * 1024;

    /** A tracer process: pid and start time (ms since the epoch), so that a reused pid is not taken for it. */
    record Owner(int pid, long startMs) {
        static final Owner NONE = new Owner(0, 0);

        static Owner self() {
            ProcessHandle me = ProcessHandle.current();
            return new Owner((int) me.pid(), startMs(me));
        }

        boolean alive() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> startMs == 0 || startMs(p) == startMs).orElse(false);
        }

        private static long startMs(ProcessHandle p) {
            return p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        }
    }

    static final TraceConfig EMPTY = new TraceConfig(0, java.util.Collections.nCopies(SLOTS, Owner.NONE));

    boolean used(int slot) {
        return (mask & (1 << slot)) != 0;
    }

    TraceConfig with(int slot, Owner owner) {
        List<Owner> o = new ArrayList<>(owners);
        o.set(slot, owner);
        int m = owner == Owner.NONE ? mask & ~(1 << slot) : mask | (1 << slot);
        return new TraceConfig(m, List.copyOf(o));
    }

    static final MapCodec<TraceConfig> CODEC = new MapCodec<>() {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

        @Override
        public int size() {
            return 8 + 16 * SLOTS;
        }

        @Override
        public void write(MemorySegment s, long o, TraceConfig v) {
            s.set(U32, o, v.mask);
            s.set(U32, o + 4, 0);
            for (int i = 0; i < SLOTS; i++) {
                s.set(U32, o + 8 + 16L * i, v.owners.get(i).pid());
                s.set(U32, o + 12 + 16L * i, 0);
                s.set(U64, o + 16 + 16L * i, v.owners.get(i).startMs());
            }
        }

        @Override
        public TraceConfig read(MemorySegment s, long o) {
            List<Owner> owners = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) owners.add(new Owner(s.get(U32, o + 8 + 16L * i), s.get(U64, o + 16 + 16L * i)));
            return new TraceConfig(s.get(U32, o), List.copyOf(owners));
        }
    };
}
