package dev.kpf.dataplane.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pod name kept packed is the same name: its text comes back unchanged, and two are equal (with equal hashes)
 * exactly when their texts are, whatever the shape of the name.
 */
class PodNameTest {
    private static final String KUBE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final String ANY = "abcdefghijklmnopqrstuvwxyz0123456789-.";

    private static String draw(Random r, String alphabet, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return s.toString();
    }

    /** Names of every shape: controllers' (Deployment, StatefulSet, DaemonSet), and the edges of the packing. */
    static String name(Random r) {
        String base = draw(r, "abcxyz", 1 + r.nextInt(3));
        return switch (r.nextInt(10)) {
            case 0 -> base + "-" + draw(r, KUBE_ALPHABET, 10) + "-" + draw(r, KUBE_ALPHABET, 5); // Deployment
            case 1 -> base + "-" + r.nextInt(12); // StatefulSet
            case 2 -> base + "-" + draw(r, KUBE_ALPHABET, 5); // DaemonSet
            case 3 -> base; // no dash
            case 4 -> base + "-" + draw(r, ANY, 7 + r.nextInt(3)); // a last part of 7, 8 (packed) and 9 (kept whole)
            case 5 -> "-" + base; // only a leading dash
            case 6 -> base + "-"; // a trailing dash: an empty last part
            case 7 -> base + "-" + draw(r, "é€\u0000\u0001", 1 + r.nextInt(3)); // outside 7-bit ASCII, NUL, another control char
            case 8 -> draw(r, ANY, r.nextInt(12)); // anything, empty included
            default -> base + "--" + draw(r, "ab", 1 + r.nextInt(2)); // two dashes
        };
    }

    @Test
    void every_name_comes_back_unchanged_and_equality_follows_the_text() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            List<String> texts = new ArrayList<>();
            List<PodName> names = new ArrayList<>();
            Map<String, String> prefixes = new HashMap<>();
            for (int i = 0; i < 400; i++) {
                String text = name(r);
                // a fresh copy each time, as the decoder makes them; every other one shares prefixes through a map
                PodName n = PodName.of(new String(text), i % 2 == 0 ? prefixes : null);
                assertEquals(text, n.toString(), "seed " + seed + ": " + text);
                assertEquals(text.isEmpty(), n.isEmpty(), "seed " + seed + ": " + text);
                texts.add(text);
                names.add(n);
            }
            for (int i = 0; i < texts.size(); i++) {
                for (int j = 0; j < texts.size(); j++) {
                    boolean same = texts.get(i).equals(texts.get(j));
                    assertEquals(same, names.get(i).equals(names.get(j)), "seed " + seed + ": " + texts.get(i) + " vs " + texts.get(j));
                    if (same) assertEquals(names.get(i).hashCode(), names.get(j).hashCode(), texts.get(i));
                }
            }
        }
    }

    @Test
    void the_pods_of_a_slice_share_one_prefix() {
        Map<String, String> prefixes = new HashMap<>();
        PodName a = PodName.of(new String("web-5d8b9c7f4b-x2k4p"), prefixes);
        PodName b = PodName.of(new String("web-5d8b9c7f4b-q7m9z"), prefixes);
        assertNotEquals(a, b);
        assertEquals(1, prefixes.size());
        assertSame(a.prefix(), b.prefix(), "one prefix instance for both");
        assertEquals("web-5d8b9c7f4b-x2k4p", a.toString());
        assertEquals("web-5d8b9c7f4b-q7m9z", b.toString());
    }

    @Test
    void no_pod_is_empty() {
        assertSame(PodName.NONE, PodName.of(""));
        assertTrue(PodName.NONE.isEmpty());
        assertEquals("", PodName.NONE.toString());
        assertFalse(PodName.of("db-0").isEmpty());
    }
}
