package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;

/** struct kpf_ct_key (40 bytes) and struct kpf_ct_value (56 bytes): both families, IPv4 in the first 4 address bytes. */
final class ConntrackCodecs {
    private ConntrackCodecs() {}

    static final int SNAT = FlowEntry.SNAT, REPLY = FlowEntry.REPLY, CLOSING = FlowEntry.CLOSING;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private static int len(int family) {
        return family == 4 ? 4 : 16;
    }

    static final MapCodec<FlowKey> KEY = new MapCodec<>() {
        public int size() { return 40; }
        public void write(MemorySegment s, long o, FlowKey k) {
            Codecs.zero(s, o, 40);
            int family = k.source() instanceof Inet4Address ? 4 : 6;
            Codecs.addr(s, o, k.source(), len(family));
            Codecs.addr(s, o + 16, k.destination(), len(family));
            s.set(BE16, o + 32, (short) k.sourcePort());
            s.set(BE16, o + 34, (short) k.destinationPort());
            s.set(ValueLayout.JAVA_BYTE, o + 36, (byte) k.protocol());
            s.set(ValueLayout.JAVA_BYTE, o + 37, (byte) family);
        }
        public FlowKey read(MemorySegment s, long o) {
            int family = s.get(ValueLayout.JAVA_BYTE, o + 37);
            return new FlowKey(Codecs.addr(s, o, len(family)), Short.toUnsignedInt(s.get(BE16, o + 32)), Codecs.addr(s, o + 16, len(family)),
                    Short.toUnsignedInt(s.get(BE16, o + 34)), Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + 36)));
        }
    };

    static final MapCodec<FlowEntry> VALUE = new MapCodec<>() {
        public int size() { return 56; }
        public void write(MemorySegment s, long o, FlowEntry v) {
            Codecs.zero(s, o, 56);
            int family = v.addr() instanceof Inet4Address ? 4 : 6;
            Codecs.addr(s, o, v.addr(), len(family));
            Codecs.addr(s, o + 16, v.addr2(), len(family));
            s.set(BE16, o + 32, (short) v.port());
            s.set(BE16, o + 34, (short) v.port2());
            s.set(U16, o + 36, (short) v.revNatId());
            s.set(ValueLayout.JAVA_BYTE, o + 38, (byte) v.flags());
            s.set(ValueLayout.JAVA_BYTE, o + 39, (byte) family);
            s.set(U64, o + 40, v.lastNs());
            s.set(U64, o + 48, v.createdNs());
        }
        public FlowEntry read(MemorySegment s, long o) {
            int family = s.get(ValueLayout.JAVA_BYTE, o + 39);
            return new FlowEntry(Codecs.addr(s, o, len(family)), Short.toUnsignedInt(s.get(BE16, o + 32)), Codecs.addr(s, o + 16, len(family)),
                    Short.toUnsignedInt(s.get(BE16, o + 34)), Short.toUnsignedInt(s.get(U16, o + 36)), Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + 38)),
                    s.get(U64, o + 40), s.get(U64, o + 48));
        }
    };

    /** A per-CPU array of __u64 counters, summed over the CPUs. */
    static MapCodec<Long> perCpuSum(int cpus) {
        return new MapCodec<>() {
            public int size() { return 8 * cpus; }
            public void write(MemorySegment s, long o, Long v) {
                Codecs.zero(s, o, 8 * cpus);
                s.set(U64, o, v);
            }
            public Long read(MemorySegment s, long o) {
                long sum = 0;
                for (int c = 0; c < cpus; c++) sum += s.get(U64, o + 8L * c);
                return sum;
            }
        };
    }
}
