package dev.kpf.probes.bpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * How a Java value is laid out as a BPF map key or value: a fixed size and native-order encoding, matching the
 * C struct the BPF program declares.
 */
public interface MapCodec<T> {
    /** Size in bytes; must equal the map's key or value size. */
    int size();

    void write(MemorySegment segment, long offset, T value);

    T read(MemorySegment segment, long offset);

    ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /** A {@code __u32} as a Java int (values above 2^31 read back negative; use {@link Integer#toUnsignedLong}). */
    static MapCodec<Integer> u32() {
        return new MapCodec<>() {
            public int size() { return 4; }
            public void write(MemorySegment s, long o, Integer v) { s.set(U32, o, v); }
            public Integer read(MemorySegment s, long o) { return s.get(U32, o); }
        };
    }

    /** A {@code __u64} as a Java long. */
    static MapCodec<Long> u64() {
        return new MapCodec<>() {
            public int size() { return 8; }
            public void write(MemorySegment s, long o, Long v) { s.set(U64, o, v); }
            public Long read(MemorySegment s, long o) { return s.get(U64, o); }
        };
    }

    /** Raw bytes of a fixed size. */
    static MapCodec<byte[]> bytes(int size) {
        if (size <= 0) throw new IllegalArgumentException("size must be positive: " + size);
        return new MapCodec<>() {
            public int size() { return size; }
            public void write(MemorySegment s, long o, byte[] v) {
                if (v.length != size) throw new IllegalArgumentException("expected " + size + " bytes, got " + v.length);
                MemorySegment.copy(v, 0, s, ValueLayout.JAVA_BYTE, o, size);
            }
            public byte[] read(MemorySegment s, long o) {
                byte[] out = new byte[size];
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o, out, 0, size);
                return out;
            }
        };
    }
}
