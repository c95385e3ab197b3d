package dev.kpf.dataplane.lb;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maglev's two promises: every backend gets a fair share of the table, and losing one of N moves about 1/N. */
class MaglevTest {
    private static List<String> backends(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("10.244." + (i / 200) + "." + (i % 200 + 2) + ":8080");
        return out;
    }

    @Test
    void every_backend_owns_about_m_over_n_entries() {
        for (int n : new int[] {1, 2, 3, 7, 10, 50}) {
            int[] table = Maglev.table(backends(n), Maglev.M);
            int[] owned = new int[n];
            for (int e : table) owned[e]++;
            for (int o : owned) {
                assertTrue(Math.abs(o - Maglev.M / (double) n) <= Math.max(2, Maglev.M / (double) n * 0.1), n + " backends: " + o + " of " + Maglev.M);
            }
        }
    }

    @Test
    void removing_one_of_n_backends_moves_its_share_and_at_most_four_percent_more() {
        for (int n : new int[] {3, 5, 10, 20}) {
            List<String> all = backends(n);
            int[] before = Maglev.table(all, Maglev.M);
            List<String> fewer = new ArrayList<>(all);
            String gone = fewer.remove(n / 2);
            int[] after = Maglev.table(fewer, Maglev.M);
            int moved = 0;
            for (int j = 0; j < Maglev.M; j++) {
                String was = all.get(before[j]);
                if (!was.equals(gone) && !was.equals(fewer.get(after[j]))) moved++;
            }
            double share = 1.0 / n;
            // the table is 1021 entries: besides the lost backend's own share, at most 4 % of it changes hands (N <= 20)
            assertTrue(moved <= Maglev.M * 0.04, n + " backends: " + moved + " entries of surviving backends moved (the lost one's share is "
                    + Math.round(Maglev.M * share) + ")");
        }
    }

    @Test
    void the_table_depends_only_on_the_backends_not_on_who_builds_it() {
        assertArrayEquals(Maglev.table(backends(4), Maglev.M), Maglev.table(backends(4), Maglev.M));
        assertEquals(0, Maglev.table(List.of(), Maglev.M).length);
    }

    @Test
    void table_sizes_are_primes_in_range() {
        assertTrue(Maglev.validSize(251) && Maglev.validSize(1021) && Maglev.validSize(4093) && Maglev.validSize(65521));
        assertTrue(!Maglev.validSize(1000) && !Maglev.validSize(250) && !Maglev.validSize(65537) && !Maglev.validSize(4095));
    }
}
