package dev.kpf.dataplane.bpf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv4 svc key, svc value, backend and rev-NAT entries written as whole words are byte for byte what the
 * field-by-field writes produce (the layout {@code MapLayoutTest} checks against the C structs), over seeded random
 * values including the extremes, and read back to the same records. The target is filled with garbage first, so a
 * byte the packed write forgets shows.
 */
class PackedCodecsTest {
    @Test
    void packed_ipv4_entries_are_the_bytes_of_the_field_by_field_writes() throws Exception {
        assertTrue(Codecs.PACKED, "this machine is little-endian: the packed writes are the ones in use");
        Random r = new Random(20);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = arena.allocate(64), fields = arena.allocate(64);
            for (int i = 0; i < 20_000; i++) {
                byte[] a = new byte[4];
                r.nextBytes(a);
                if (i % 7 == 0) a = new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255};
                InetAddress ip = InetAddress.getByAddress(a);
                int port = i % 11 == 0 ? 65535 : r.nextInt(65536), proto = r.nextBoolean() ? 6 : 17;
                int scope = r.nextInt(2), slot = i % 13 == 0 ? 65535 : r.nextInt(65536);

                SvcKey key = new SvcKey(ip, port, proto, scope, slot);
                fill(packed, fields, r);
                Codecs.svcKey(4).write(packed, 3, key);
                Codecs.writeSvcKey(fields, 3, key, 4);
                same(packed, fields, "svc key " + key);
                assertEquals(key, Codecs.svcKey(4).read(packed, 3));

                SvcValue value = new SvcValue(r.nextInt(), i % 5 == 0 ? 65535 : r.nextInt(65536), r.nextInt(65536), r.nextInt(), r.nextInt());
                fill(packed, fields, r);
                Codecs.SVC_VALUE.write(packed, 5, value);
                Codecs.writeSvcValue(fields, 5, value);
                same(packed, fields, "svc value " + value);
                assertEquals(value, Codecs.SVC_VALUE.read(packed, 5));

                BackendValue backend = new BackendValue(ip, port, proto, r.nextInt(256));
                fill(packed, fields, r);
                Codecs.backend(4).write(packed, 1, backend);
                Codecs.writeBackend(fields, 1, backend, 4);
                same(packed, fields, "backend " + backend);
                assertEquals(backend, Codecs.backend(4).read(packed, 1));

                RevNatValue rev = new RevNatValue(ip, port);
                fill(packed, fields, r);
                Codecs.revNat(4).write(packed, 7, rev);
                Codecs.writeRevNat(fields, 7, rev, 4);
                same(packed, fields, "rev-NAT " + rev);
                assertEquals(rev, Codecs.revNat(4).read(packed, 7));
            }
        }
    }

    /** The same garbage in both segments. */
    private static void fill(MemorySegment a, MemorySegment b, Random r) {
        byte[] junk = new byte[(int) a.byteSize()];
        r.nextBytes(junk);
        MemorySegment.copy(junk, 0, a, ValueLayout.JAVA_BYTE, 0, junk.length);
        MemorySegment.copy(junk, 0, b, ValueLayout.JAVA_BYTE, 0, junk.length);
    }

    private static void same(MemorySegment a, MemorySegment b, String what) {
        assertArrayEquals(b.toArray(ValueLayout.JAVA_BYTE), a.toArray(ValueLayout.JAVA_BYTE), what);
    }
}
