package dev.kpf.dataplane.bpf;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's reference counts agree with a {@code Map<Long, Integer>} doing the same (merge, put, remove; a count
 * at zero or below gone) after every step of seeded random sequences, over few keys (long probe runs, deletions in
 * the middle of runs, wrap-around at the table's end) and over many (growth, room made at once).
 */
class RefCountsTest {
    @Test
    void counts_agree_with_a_map_after_every_step() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            int keySpace = seed % 2 == 0 ? 40 : 5_000;
            RefCounts counts = new RefCounts();
            Map<Long, Integer> model = new HashMap<>();
            for (int step = 0; step < 20_000; step++) {
                long key = (r.nextBoolean() ? 0 : 1L << 32) | r.nextInt(keySpace);
                String what = "seed " + seed + " step " + step + " key " + key;
                // now and then room is made at once for more than there are (as a large sync does), or for fewer
                if (step % 1_000 == 500) counts.reserve(r.nextInt(2 * keySpace));
                switch (r.nextInt(5)) {
                    case 0, 1 -> {
                        int now = model.merge(key, 1, Integer::sum);
                        assertEquals(now, counts.add(key, 1), what);
                    }
                    case 2 -> {
                        int now = model.getOrDefault(key, 0) - 1;
                        if (now > 0) model.put(key, now); else model.remove(key);
                        assertEquals(Math.max(0, now), Math.max(0, counts.add(key, -1)), what);
                    }
                    case 3 -> {
                        int c = r.nextInt(3);
                        if (c > 0) model.put(key, c); else model.remove(key);
                        counts.set(key, c);
                    }
                    default -> {
                        model.remove(key);
                        counts.remove(key);
                    }
                }
                assertEquals(model.getOrDefault(key, 0), counts.get(key), what);
                assertEquals(model.size(), counts.size(), what);
                if (step % 997 == 0) {
                    for (long k = 0; k < keySpace; k++) {
                        assertEquals(model.getOrDefault(k, 0), counts.get(k), what + " (all keys, v4 " + k + ")");
                        assertEquals(model.getOrDefault(k | 1L << 32, 0), counts.get(k | 1L << 32), what + " (all keys, v6 " + k + ")");
                    }
                }
            }
        }
    }

    /**
     * Growing keeps a table between half and three quarters full, whatever the count (a power-of-two capacity left
     * 120,000 backends in 262,144 slots): checked after every insert from empty to 200,000 keys.
     */
    @Test
    void a_table_stays_between_half_and_three_quarters_full_as_it_grows() {
        RefCounts counts = new RefCounts();
        for (int n = 1; n <= 200_000; n++) {
            counts.add(n | (long) (n & 1) << 32, 1);
            assertEquals(n, counts.size());
            int capacity = counts.capacity();
            assertTrue(n * 4L <= capacity * 3L, n + " keys in " + capacity + " slots: more than three quarters full");
            if (capacity > 64) assertTrue(n * 2L >= capacity - 2, n + " keys in " + capacity + " slots: less than half full");
        }
    }

    /**
     * Room made at once for a sync's backends holds them all without growing, whatever was there before, and keeps
     * the table no more than three quarters full; asking for less than there is changes nothing.
     */
    @Test
    void room_made_at_once_holds_that_many_without_growing() {
        RefCounts counts = new RefCounts();
        for (int id = 1; id <= 1_000; id++) counts.add(id, 2);
        counts.reserve(100_500); // the 1,000 there, and 99,500 more
        int capacity = counts.capacity();
        assertTrue(100_500L * 4 <= capacity * 3L, capacity + " slots for 100,500 keys");
        for (int id = 1; id <= 100_000; id++) counts.add(id | (long) (id & 1) << 32, 1);
        assertEquals(capacity, counts.capacity(), "grew while filling the room made");
        assertEquals(100_000 + 500, counts.size());
        for (int id = 1; id <= 1_000; id++) assertEquals(id % 2 == 0 ? 3 : 2, counts.get(id), "id " + id);
        counts.reserve(10);
        assertEquals(capacity, counts.capacity(), "room for fewer than there are");
    }

    /**
     * Ids in patterns a cluster produces sit close to their home slots: both families counting up from 1 (a
     * dual-stack first sync), every other id (two services allocating in turn, one deleted), ids a table's size
     * apart. A table that placed ids by their value took 100,000 probes per insert in a dual-stack agent's first sync.
     */
    @Test
    void ids_in_a_clusters_patterns_stay_near_their_home_slots() {
        Map<String, java.util.function.LongUnaryOperator> patterns = new java.util.LinkedHashMap<>();
        patterns.put("both families counting up", n -> (n % 2 == 0 ? 0 : 1L << 32) | n / 2 + 1);
        patterns.put("every other id", n -> 2 * n + 1);
        patterns.put("every fourth id of both families", n -> (n % 2 == 0 ? 0 : 1L << 32) | 4 * (n / 2) + 1);
        patterns.put("ids 133,335 apart", n -> 1 + n * 133_335L % (1 << 24));
        for (Map.Entry<String, java.util.function.LongUnaryOperator> p : patterns.entrySet()) {
            RefCounts counts = new RefCounts();
            counts.reserve(100_000);
            for (long n = 0; n < 100_000; n++) counts.add(p.getValue().applyAsLong(n), 1);
            assertEquals(100_000, counts.size(), p.getKey());
            int longest = counts.longestDisplacement();
            assertTrue(longest < 2_000, p.getKey() + ": an id sits " + longest + " slots past its home");
        }
    }
}
