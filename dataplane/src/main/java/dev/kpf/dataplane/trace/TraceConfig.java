package dev.kpf.dataplane.trace;

import dev.kpf.probes.bpf.MapCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Slot 0 of kpf_trace_cfg ({@code struct kpf_trace_config}): which ring slots are in use and whether any tracer
 * wants events for addresses that are no Service (the programs read both), who owns each slot, and how many events
 * each ring had no room for (the programs count them). Writing the value back races with the programs' counting:
 * an event lost by another tracer while a slot is claimed or freed may go uncounted.
 */
record TraceConfig(int mask, int flags, List<Owner> owners, List<Long> lost) {
    static final int SLOTS = 8;
    static final int RING_BYTES = 256 * 1024;
    static final int WANT_NOT_SERVICE = 1;

    /** A tracer process (pid and start time, ms since the epoch) and what it wants ({@link #WANT_NOT_SERVICE}). */
    record Owner(int pid, int flags, long startMs) {
        static final Owner NONE = new Owner(0, 0, 0);

        static Owner self(int flags) {
            ProcessHandle me = ProcessHandle.current();
            return new Owner((int) me.pid(), flags, me.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L));
        }
    }

    static final TraceConfig EMPTY = new TraceConfig(0, 0, Collections.nCopies(SLOTS, Owner.NONE), Collections.nCopies(SLOTS, 0L));

    boolean used(int slot) {
        return (mask & (1 << slot)) != 0;
    }

    /** The slot given to {@code owner} (or freed with {@link Owner#NONE}), its lost count back at zero. */
    TraceConfig with(int slot, Owner owner) {
        List<Owner> o = new ArrayList<>(owners);
        o.set(slot, owner);
        List<Long> l = new ArrayList<>(lost);
        l.set(slot, 0L);
        int m = owner.equals(Owner.NONE) ? mask & ~(1 << slot) : mask | (1 << slot);
        int f = 0;
        for (int i = 0; i < SLOTS; i++) if ((m & (1 << i)) != 0) f |= o.get(i).flags();
        return new TraceConfig(m, f, List.copyOf(o), List.copyOf(l));
    }

    static final MapCodec<TraceConfig> CODEC = new MapCodec<>() {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
        private static final long OWNERS = 8, LOST = OWNERS + 16L * SLOTS;

        @Override
        public int size() {
            return (int) LOST + 8 * SLOTS;
        }

        @Override
        public void write(MemorySegment s, long o, TraceConfig v) {
            s.set(U32, o, v.mask);
            s.set(U32, o + 4, v.flags);
            for (int i = 0; i < SLOTS; i++) {
                Owner w = v.owners.get(i);
                s.set(U32, o + OWNERS + 16L * i, w.pid());
                s.set(U32, o + OWNERS + 4 + 16L * i, w.flags());
                s.set(U64, o + OWNERS + 8 + 16L * i, w.startMs());
                s.set(U64, o + LOST + 8L * i, v.lost.get(i));
            }
        }

        @Override
        public TraceConfig read(MemorySegment s, long o) {
            List<Owner> owners = new ArrayList<>();
            List<Long> lost = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) {
                owners.add(new Owner(s.get(U32, o + OWNERS + 16L * i), s.get(U32, o + OWNERS + 4 + 16L * i), s.get(U64, o + OWNERS + 8 + 16L * i)));
                lost.add(s.get(U64, o + LOST + 8L * i));
            }
            return new TraceConfig(s.get(U32, o), s.get(U32, o + 4), List.copyOf(owners), List.copyOf(lost));
        }
    };
}
