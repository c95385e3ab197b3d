package dev.kpf.diagnostics;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** maps.consistent names what the maps lack, what they hold in excess and what is stale. */
class MapsConsistencyTest {
    private static LbTable table(String rule) {
        Path dir = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", rule);
        return new ServiceTranslator("node-a").translate(DirectoryLoader.load(dir));
    }

    @Test
    void equal_tables_pass_and_differences_are_named() {
        LbTable conditions = table("endpoint-conditions");
        assertEquals(ProbeStatus.PASS, MapsConsistency.check(conditions, conditions).status());

        CheckResult different = MapsConsistency.check(table("merged-slices"), conditions);
        assertEquals(ProbeStatus.FAIL, different.status());
        assertTrue(different.observed().startsWith("1 missing: 10.96.2.1:80/TCP app/big:http; 3 extra: 10.96.1.1:80/TCP app/mixed:http"), different.observed());
    }

    @Test
    void stale_backends_are_shown_with_what_the_api_asks_for() {
        LbTable single = table("clusterip-single");
        LbTable programmed = new LbTable(new java.util.TreeMap<>(single.entries().entrySet().stream().collect(java.util.stream.Collectors.toMap(
                java.util.Map.Entry::getKey, e -> new dev.kpf.dataplane.lb.LbEntry(e.getValue().frontend(), e.getValue().type(), e.getValue().service(),
                        e.getValue().portName(), e.getValue().backends().subList(0, 1), 0, java.util.List.of(), false, false, 0)))), java.util.List.of());
        CheckResult r = MapsConsistency.check(single, programmed);
        assertEquals("1 stale: 10.96.0.20:80/TCP has [10.244.1.5:8080], the API asks for [10.244.1.5:8080, 10.244.2.7:8080]", r.observed());
    }
}
