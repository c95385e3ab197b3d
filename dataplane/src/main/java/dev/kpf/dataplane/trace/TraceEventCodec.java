package dev.kpf.dataplane.trace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Decodes {@code struct kpf_trace_event} (kpf_sock.h; {@code MapLayoutTest} checks the offsets). Times come as
 * CLOCK_MONOTONIC nanoseconds, which is what {@link System#nanoTime()} reads on Linux; they are turned into wall
 * time with the offset measured when the codec is made.
 */
public final class TraceEventCodec {
    public static final int SIZE = 104;
    static final int TIME = 0, CGROUP = 8, NETNS = 16, SOCKET = 24, PID = 32, BACKEND_ID = 36, REV_NAT = 40, FAMILY = 42,
            PROTO = 43, HOOK = 44, OUTCOME = 45, VIP_PORT = 46, BACKEND_PORT = 48, VIP = 52, BACKEND = 68, COMM = 84;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final long wallMinusMonotonicNanos;

    public TraceEventCodec() {
        Instant now = Instant.now();
        wallMinusMonotonicNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    public TraceEvent decode(MemorySegment s) {
        if (s.byteSize() < SIZE) throw new IllegalArgumentException("trace record of " + s.byteSize() + " bytes, expected " + SIZE);
        long wall = s.get(U64, TIME) + wallMinusMonotonicNanos;
        int family = s.get(ValueLayout.JAVA_BYTE, FAMILY);
        int len = family == 6 ? 16 : 4;
        InetAddress vip = address(s, VIP, len);
        InetAddress backend = address(s, BACKEND, len);
        int backendPort = Short.toUnsignedInt(s.get(BE16, BACKEND_PORT));
        boolean hasBackend = backendPort != 0 || !backend.isAnyLocalAddress();
        byte[] comm = s.asSlice(COMM, 16).toArray(ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < comm.length && comm[end] != 0) end++;
        return new TraceEvent(Instant.ofEpochSecond(0, wall), s.get(U32, PID), new String(comm, 0, end, StandardCharsets.UTF_8),
                s.get(U64, CGROUP), s.get(U64, NETNS), s.get(U64, SOCKET), Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, PROTO)),
                TraceHook.of(s.get(ValueLayout.JAVA_BYTE, HOOK)), TraceOutcome.of(s.get(ValueLayout.JAVA_BYTE, OUTCOME)),
                vip, Short.toUnsignedInt(s.get(BE16, VIP_PORT)), hasBackend ? Optional.of(backend) : Optional.empty(), backendPort,
                Short.toUnsignedInt(s.get(U16, REV_NAT)), s.get(U32, BACKEND_ID));
    }

    private static InetAddress address(MemorySegment s, long offset, int len) {
        try {
            return InetAddress.getByAddress(s.asSlice(offset, len).toArray(ValueLayout.JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
