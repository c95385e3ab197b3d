package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: an agent whose node name is not one of the cluster's Nodes would program NodePorts on every address and
 * drop the local endpoints of externalTrafficPolicy Local Services. It refuses to program anything and says why.
 */
class AgentNodeNameIT {
    private static Path cluster(String name) {
        return Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", name);
    }

    private static Agent agent(String cluster, String node, SimulatedDatapath datapath) {
        return new Agent(new DirectorySource(cluster(cluster), Duration.ofSeconds(1), Clock.systemUTC()), new ServiceTranslator(node),
                datapath, new AgentMetrics(), Clock.systemUTC());
    }

    @Test
    void a_node_name_the_cluster_does_not_list_is_refused_and_nothing_is_programmed() throws Exception {
        SimulatedDatapath datapath = new SimulatedDatapath();
        try (Agent agent = agent("nodeport", "worker-9", datapath)) {
            agent.start();
            String why = agent.refusal().get(10, TimeUnit.SECONDS);
            assertEquals("node \"worker-9\" is not one of the cluster's 2 Nodes (node-a, node-b): pass --node-name "
                    + "(or set NODE_NAME) to this node's name as `kubectl get nodes` shows it", why);
            assertFalse(agent.awaitReady(Duration.ofMillis(300)), "a refused agent never becomes ready");
            assertEquals(0, datapath.readBack().size(), "nothing was programmed");
        }
    }

    @Test
    void a_host_name_whose_first_label_is_a_node_gets_that_suggestion() throws Exception {
        try (Agent agent = agent("nodeport", "node-b.us-central1-a.c.my-project.internal", new SimulatedDatapath())) {
            agent.start();
            assertTrue(agent.refusal().get(10, TimeUnit.SECONDS).endsWith("; did you mean node-b?"), agent.refusal().getNow(""));
        }
    }

    @Test
    void a_listed_node_syncs_and_a_source_without_nodes_cannot_be_checked_so_it_syncs_too() throws Exception {
        for (String[] c : new String[][] {{"nodeport", "node-a"}, {"clusterip-single", "any-name"}}) {
            SimulatedDatapath datapath = new SimulatedDatapath();
            try (Agent agent = agent(c[0], c[1], datapath)) {
                agent.start();
                assertTrue(agent.awaitReady(Duration.ofSeconds(10)), String.join(" ", c));
                assertFalse(agent.refusal().isDone());
                assertTrue(datapath.readBack().size() > 0);
            }
        }
    }
}
