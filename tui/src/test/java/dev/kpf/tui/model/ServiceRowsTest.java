package dev.kpf.tui.model;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Services rows: rates from growing counters with their history oldest first, and the differences between what
 * the maps hold and what the API asks for, shown once two fresh readings in a row agree on them.
 */
class ServiceRowsTest {
    private static Frontend frontend(String vip) {
        return new Frontend(InetAddress.ofLiteral(vip), 80, Protocol.TCP, Scope.EXTERNAL);
    }

    private static Backend backend(String ip, int port) {
        return new Backend(InetAddress.ofLiteral(ip), port, Protocol.TCP, Backend.State.READY, false, "node-b", "", "pod");
    }

    private static LbEntry entry(String vip, Backend... backends) {
        return new LbEntry(frontend(vip), FrontendType.CLUSTER_IP, ObjectRef.service("default", "svc-" + vip), "http", List.of(backends),
                0, List.of(), false, false, 0);
    }

    private static LbTable table(LbEntry... entries) {
        TreeMap<Frontend, LbEntry> m = new TreeMap<>();
        for (LbEntry e : entries) m.put(e.frontend(), e);
        return new LbTable(m, List.of());
    }

    private static Counters counters(LbTable t, long connects) {
        Map<Frontend, Counters.Count> f = new HashMap<>();
        Map<String, Counters.Count> b = new HashMap<>();
        t.entries().values().forEach(e -> {
            f.put(e.frontend(), new Counters.Count(connects, 0));
            e.backends().forEach(be -> b.put(Counters.backendKey(be.address(), be.port(), be.protocol()), new Counters.Count(connects / 2, 0)));
        });
        return new Counters(f, b);
    }

    private static ServiceRow row(List<ServiceRow> rows, String vip) {
        return rows.stream().filter(r -> r.frontend().startsWith(vip + ":")).findFirst().orElseThrow(() -> new AssertionError(vip + " in " + rows));
    }

    @Test
    void rates_come_from_growing_counters_and_the_history_keeps_the_latest_oldest_first() {
        ServiceRows rows = new ServiceRows(3);
        LbTable t = table(entry("10.96.0.1", backend("10.0.0.1", 8080)));
        List<ServiceRow> built = List.of();
        List<Float> rates = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            long connects = 10L * round * round; // rates 10, 30, 50, 70, 90 per second
            built = rows.build(t, counters(t, connects), t, true, 1.0);
            if (round > 0) rates.add((float) (10 * (2 * round - 1)));
        }
        ServiceRow r = row(built, "10.96.0.1");
        assertEquals(90, r.rate(), 1e-9);
        assertArrayEquals(new float[] {50, 70, 90}, r.history(), "the last three rates, oldest first, across the ring's wrap");
        assertArrayEquals(new float[] {25, 35, 45}, r.backends().getFirst().history());
        assertEquals(ServiceRow.Drift.NONE, r.drift());
    }

    @Test
    void a_difference_between_maps_and_api_shows_from_the_second_fresh_reading_and_order_does_not_count() {
        ServiceRows rows = new ServiceRows(5);
        LbTable maps = table(entry("10.96.0.1", backend("10.0.0.1", 8080), backend("10.0.0.2", 8080)),
                entry("10.96.0.2", backend("10.0.0.3", 8080)), entry("10.96.0.3", backend("10.0.0.4", 8080)));
        LbTable api = table(entry("10.96.0.1", backend("10.0.0.2", 8080), backend("10.0.0.1", 8080)), // same, other order
                entry("10.96.0.2", backend("10.0.0.3", 9090)), // another target port: stale
                entry("10.96.0.4", backend("10.0.0.5", 8080))); // not programmed yet; 10.96.0.3 no longer wanted
        List<ServiceRow> first = rows.build(maps, counters(maps, 0), api, true, 1.0);
        first.forEach(r -> assertEquals(ServiceRow.Drift.NONE, r.drift(), "one reading is not enough: " + r.frontend()));
        List<ServiceRow> second = rows.build(maps, counters(maps, 0), api, true, 1.0);
        assertEquals(ServiceRow.Drift.NONE, row(second, "10.96.0.1").drift());
        assertEquals(ServiceRow.Drift.STALE, row(second, "10.96.0.2").drift());
        assertEquals(ServiceRow.Drift.EXTRA, row(second, "10.96.0.3").drift());
        assertEquals(ServiceRow.Drift.MISSING, row(second, "10.96.0.4").drift());
        // once the maps hold what the API asks, the marks go
        List<ServiceRow> synced = rows.build(api, counters(api, 0), api, true, 1.0);
        synced.forEach(r -> assertEquals(ServiceRow.Drift.NONE, r.drift(), r.frontend()));
        assertEquals(3, synced.size());
    }

    @Test
    void a_frontend_that_leaves_is_forgotten_and_starts_from_nothing_when_it_comes_back() {
        ServiceRows rows = new ServiceRows(5);
        LbTable both = table(entry("10.96.0.1", backend("10.0.0.1", 8080)), entry("10.96.0.2", backend("10.0.0.2", 8080)));
        LbTable one = table(entry("10.96.0.1", backend("10.0.0.1", 8080)));
        rows.build(both, counters(both, 10), both, true, 1.0);
        rows.build(both, counters(both, 20), both, true, 1.0);
        assertEquals(2, row(rows.build(both, counters(both, 30), both, true, 1.0), "10.96.0.2").history().length);
        rows.build(one, counters(one, 40), one, true, 1.0);
        ServiceRow back = row(rows.build(both, counters(both, 50), both, true, 1.0), "10.96.0.2");
        assertEquals(0, back.history().length, "no history from before it left");
        assertEquals(0, back.rate(), 1e-9);
        assertEquals(5, row(rows.build(both, counters(both, 60), both, true, 1.0), "10.96.0.1").history().length, "the other one kept its history");
    }
}
