package dev.kpf.dataplane.bpf;

import org.junit.jupiter.api.Test;

import dev.kpf.dataplane.model.IpAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's backend mirror agrees with the maps it replaced (values by id per family, and ids by backend
 * identity with put, put-if-absent and remove-if-mapped-to) after every step of seeded random sequences: over few
 * ids and identities (long probe runs, deletions inside runs, wrap-around) and over many (growth); both families.
 */
class BackendMirrorTest {
    private static InetAddress address(int n, boolean v4) throws UnknownHostException {
        byte[] b = v4 ? new byte[] {10, 0, (byte) (n >> 8), (byte) n} : new byte[16];
        if (!v4) {
            b[0] = (byte) 0xfd;
            b[14] = (byte) (n >> 8);
            b[15] = (byte) n;
        }
        return InetAddress.getByAddress(b);
    }

    /**
     * Two decodes of one slice make equal addresses that are distinct objects; a backend the writer finds unchanged
     * takes the newer one, so the mirror keeps no address of an endpoint version that is gone.
     */
    @Test
    void an_unchanged_backend_holds_the_newer_decodes_address() throws UnknownHostException {
        IpAddress older = IpAddress.of(address(1, true)), newer = IpAddress.of(address(1, true));
        assertNotSame(older, newer);
        BackendMirror mirror = new BackendMirror();
        ProgrammedState.BackendKey olderKey = new ProgrammedState.BackendKey(older, 80, 6);
        mirror.put(7, new BackendValue(older, 80, 6, 0));
        mirror.putId(olderKey, 7);
        ProgrammedState.BackendKey newerKey = new ProgrammedState.BackendKey(newer, 80, 6);
        mirror.shareInstances(newerKey, 7, new BackendValue(newer, 80, 6, 0));
        assertSame(newer, mirror.get(true, 7).address());
        assertSame(newer, mirror.heldAddress(olderKey));
        assertEquals(7, mirror.id(olderKey));
        assertEquals(1, mirror.size(true));
        assertEquals(1, mirror.ids());
    }

    /** The mirror keeps values packed in the map value's widths: one it could not hold is refused, not cut. */
    @Test
    void a_value_wider_than_the_map_holds_is_refused() throws UnknownHostException {
        BackendMirror mirror = new BackendMirror();
        InetAddress a = address(1, true);
        for (BackendValue v : List.of(new BackendValue(a, 65_536, 6, 0), new BackendValue(a, 80, 256, 0), new BackendValue(a, 80, 6, 256),
                new BackendValue(a, -1, 6, 0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mirror.put(3, v));
            assertTrue(e.getMessage().contains("kpf_backends"), e.getMessage());
        }
        assertEquals(0, mirror.size(true));
        mirror.put(3, new BackendValue(a, 65_535, 255, 255));
        assertEquals(new BackendValue(a, 65_535, 255, 255), mirror.get(true, 3));
    }

    @Test
    void values_and_ids_agree_with_maps_after_every_step() throws UnknownHostException {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            int space = seed % 2 == 0 ? 30 : 3_000;
            BackendMirror mirror = new BackendMirror();
            Map<Integer, BackendValue> values4 = new HashMap<>(), values6 = new HashMap<>();
            Map<ProgrammedState.BackendKey, Integer> ids = new HashMap<>();
            for (int step = 0; step < 20_000; step++) {
                boolean v4 = r.nextInt(4) != 0;
                int id = 1 + r.nextInt(space);
                ProgrammedState.BackendKey key = new ProgrammedState.BackendKey(IpAddress.of(address(r.nextInt(space), v4)), 80 + r.nextInt(3), r.nextBoolean() ? 6 : 17);
                Map<Integer, BackendValue> values = v4 ? values4 : values6;
                String what = "seed " + seed + " step " + step + " id " + id + " key " + key;
                // now and then room is made at once for more than there are (as a large sync does), or for fewer
                if (step % 1_000 == 500) mirror.reserve(r.nextInt(2 * space), r.nextInt(space));
                switch (r.nextInt(6)) {
                    case 0, 1 -> {
                        // values span the map value's widths (16-bit port, 8-bit protocol and flags): the mirror packs them
                        BackendValue v = new BackendValue(key.address(), r.nextInt(4) == 0 ? 65_535 - r.nextInt(3) : key.port(),
                                r.nextInt(5) == 0 ? 132 : key.protocol(), r.nextInt(4) == 0 ? 255 - r.nextInt(2) : r.nextInt(3));
                        values.put(id, v);
                        mirror.put(id, v);
                    }
                    case 2 -> {
                        values.remove(id);
                        mirror.remove(v4, id);
                    }
                    case 3 -> {
                        ids.put(key, id);
                        mirror.putId(key, id);
                    }
                    case 4 -> {
                        ids.putIfAbsent(key, id);
                        mirror.putIdIfAbsent(key, id);
                    }
                    default -> {
                        // as the writer does: with the id the identity may map to, or a random one
                        int which = r.nextBoolean() ? ids.getOrDefault(key, id) : id;
                        ids.remove(key, which);
                        mirror.removeId(key, which);
                    }
                }
                assertEquals(values.get(id), mirror.get(v4, id), what);
                assertEquals(ids.getOrDefault(key, BackendMirror.NONE), mirror.id(key), what);
                assertEquals(values4.size(), mirror.size(true), what);
                assertEquals(values6.size(), mirror.size(false), what);
                assertEquals(ids.size(), mirror.ids(), what);
                if (step % 997 == 0) {
                    for (boolean family : new boolean[] {true, false}) {
                        Map<Integer, BackendValue> seen = new HashMap<>();
                        mirror.forEach(family, (v, i) -> assertEquals(null, seen.put(i, v), what + " (an id twice)"));
                        assertEquals(family ? values4 : values6, seen, what + " (every value)");
                    }
                    for (Map.Entry<ProgrammedState.BackendKey, Integer> e : ids.entrySet()) assertEquals(e.getValue(), mirror.id(e.getKey()), what + " (every id)");
                }
            }
        }
    }

    /** Ids in a cluster's patterns (every other id, ids a table's size apart) sit close to their home slots. */
    @Test
    void ids_in_a_clusters_patterns_stay_near_their_home_slots() throws UnknownHostException {
        IpAddress a = IpAddress.of(address(1, true));
        for (int stride : new int[] {1, 2, 4, 133_335}) {
            BackendMirror mirror = new BackendMirror();
            mirror.reserve(100_000, 0);
            for (int n = 0; n < 100_000; n++) mirror.put((int) (1 + (long) n * stride % (1 << 24)), new BackendValue(a, 80, 6, 0));
            assertEquals(100_000, mirror.size(true));
            int longest = mirror.longestDisplacement(true);
            org.junit.jupiter.api.Assertions.assertTrue(longest < 2_000, "ids " + stride + " apart: one sits " + longest + " slots past its home");
        }
    }
}
