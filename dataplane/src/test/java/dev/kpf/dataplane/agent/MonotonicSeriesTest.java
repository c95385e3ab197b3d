package dev.kpf.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Prometheus counters from kernel counters of frontends that come and go: a series never goes down. */
class MonotonicSeriesTest {
    private static Map<String, Map.Entry<String, long[]>> members(Object... idKeyValue) {
        Map<String, Map.Entry<String, long[]>> m = new LinkedHashMap<>();
        for (int i = 0; i < idKeyValue.length; i += 3) {
            m.put((String) idKeyValue[i], Map.entry((String) idKeyValue[i + 1], new long[] {(Long) idKeyValue[i + 2]}));
        }
        return m;
    }

    private static long value(Map<String, long[]> out, String key) {
        return out.get(key)[0];
    }

    @Test
    void a_frontend_that_leaves_or_restarts_from_zero_keeps_what_it_counted_in_its_series() {
        MonotonicSeries s = new MonotonicSeries(10, 1);
        assertEquals(15, value(s.update(members("clusterip", "web\tTCP", 10L, "nodeport", "web\tTCP", 5L)), "web\tTCP"));
        assertEquals(17, value(s.update(members("clusterip", "web\tTCP", 12L)), "web\tTCP"), "the NodePort left: its 5 stay");
        assertEquals(20, value(s.update(members("clusterip", "web\tTCP", 12L, "nodeport", "web\tTCP", 3L)), "web\tTCP"),
                "it came back from zero (a freed id starts over): 12 + 5 + 3");
        assertEquals(12 + 5 + 1 + 3, value(s.update(members("clusterip", "web\tTCP", 1L, "nodeport", "web\tTCP", 3L)), "web\tTCP"),
                "the ClusterIP was reset: its 12 are kept");
    }

    @Test
    void a_series_without_members_is_dropped_and_starts_afresh() {
        MonotonicSeries s = new MonotonicSeries(10, 1);
        s.update(members("a", "web\tTCP", 10L));
        Map<String, long[]> out = s.update(members("b", "db\tTCP", 1L));
        assertFalse(out.containsKey("web\tTCP"), "stale, not reset");
        assertEquals(4, value(s.update(members("a", "web\tTCP", 4L, "b", "db\tTCP", 1L)), "web\tTCP"));
    }

    @Test
    void past_the_bound_series_share_other_which_never_goes_down_when_a_name_gets_a_label_of_its_own() {
        MonotonicSeries s = new MonotonicSeries(1, 1);
        Map<String, long[]> out = s.update(members("a", "a\tTCP", 10L, "b", "b\tTCP", 7L));
        assertEquals(10, value(out, "a\tTCP"));
        assertEquals(7, value(out, MonotonicSeries.OTHER + "\tTCP"));
        out = s.update(members("b", "b\tTCP", 8L));
        assertEquals(8, value(out, "b\tTCP"), "a's label was freed: b has its own now");
        assertEquals(7, value(out, MonotonicSeries.OTHER + "\tTCP") , "and (other) keeps what b counted while in it");
    }
}
