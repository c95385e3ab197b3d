package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.bpf.SyncReport;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's backend count (status, {@code kpf_backends}, the ready log line) is what the backend maps hold, both
 * families, as the writer counts them; a datapath without maps (simulated) reports the table's distinct backends.
 */
class AgentBackendCountTest {
    private static final Path CLUSTER = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "clusterip-dual-stack");

    /** The simulated datapath, reporting map usage as a datapath with maps does. */
    private static final class WithMaps implements Datapath {
        final SimulatedDatapath inner = new SimulatedDatapath();

        @Override
        public SyncReport apply(LbTable desired) {
            return inner.apply(desired);
        }

        @Override
        public LbTable readBack() {
            return inner.readBack();
        }

        @Override
        public boolean simulated() {
            return false;
        }

        @Override
        public String describe() {
            return "maps reported by the test";
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public Map<String, long[]> mapUsage() {
            return Map.of(MapLayout.BACKENDS4, new long[] {7, 100}, MapLayout.BACKENDS6, new long[] {2, 100}, MapLayout.SVC4, new long[] {40, 100});
        }
    }

    private static long backends(Datapath datapath) throws Exception {
        try (Agent agent = new Agent(new DirectorySource(CLUSTER, Duration.ofSeconds(1), Clock.systemUTC()), new ServiceTranslator("node-a"),
                datapath, new AgentMetrics(), Clock.systemUTC())) {
            agent.start();
            assertTrue(agent.awaitReady(Duration.ofSeconds(10)));
            long status = agent.status().backends();
            assertTrue(agent.metrics().scrape().contains("kpf_backends " + status + ".0"), agent.metrics().scrape());
            return status;
        }
    }

    @Test
    void a_datapath_with_maps_counts_the_entries_of_both_backend_maps() throws Exception {
        assertEquals(9, backends(new WithMaps()));
    }

    @Test
    void the_simulated_datapath_counts_the_tables_distinct_backends() throws Exception {
        LbTable table = new ServiceTranslator("node-a").translate(dev.kpf.dataplane.load.DirectoryLoader.load(CLUSTER));
        assertTrue(table.backendCount() > 0, "the fixture has backends");
        assertEquals(table.backendCount(), backends(new SimulatedDatapath()));
    }
}
