package dev.kpf.dataplane.load;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Equal texts come back as one instance while there is room; past the bound each comes back as given, unchanged. */
class SharedStringsTest {
    @Test
    void equal_texts_come_back_as_the_first_instance_seen_and_nothing_changes_its_text() {
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            int capacity = r.nextInt(40);
            SharedStrings shared = new SharedStrings(capacity);
            java.util.Map<String, String> first = new java.util.HashMap<>();
            for (int i = 0; i < 2_000; i++) {
                String text = "p" + r.nextInt(60);
                String given = new String(text.toCharArray()); // a fresh instance, as a parser makes
                String got = shared.apply(given);
                assertEquals(text, got, "seed " + seed);
                String held = first.get(text);
                if (held != null) assertSame(held, got, "seed " + seed + ": " + text + " was held");
                else if (first.size() < capacity) first.put(text, got);
                else assertSame(given, got, "seed " + seed + ": past the bound the given instance");
            }
            assertEquals(Math.min(capacity, first.size()), shared.size());
        }
    }

    @Test
    void past_the_bound_nothing_new_is_held() {
        SharedStrings shared = new SharedStrings(1);
        String a = shared.apply(new String("a"));
        assertSame(a, shared.apply(new String("a")));
        String b = new String("b");
        assertSame(b, shared.apply(b));
        assertNotSame(b, shared.apply(new String("b")));
        assertEquals(1, shared.size());
        assertNull(shared.apply(null));
        assertThrows(IllegalArgumentException.class, () -> new SharedStrings(-1));
    }
}
