package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.agent.Agent;
import dev.kpf.dataplane.agent.AgentMetrics;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 17: kube-proxy's sync metrics count what really happened. An agent on the fake API server takes EndpointSlice
 * and Service changes one by one; after each is programmed the change counters have grown by exactly one and nothing
 * is pending, every change after the first sync is a partial sync, and network programming latency runs from each
 * slice's {@code endpoints.kubernetes.io/last-change-trigger-time} (as kube-proxy's), ignoring changes triggered
 * before the agent started.
 */
class AgentSyncMetricsIT {
    /** How long before its publication each test change was triggered in the "API" (the latency the metric must show). */
    private static final Duration TRIGGERED_BEFORE = Duration.ofMillis(1500);

    @TempDir
    Path dir;

    /** The value of the sample {@code series} (a name with its labels, as exposed), or fails naming it. */
    private static double sample(String scraped, String series) {
        for (String line : scraped.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        fail(series + " not in\n" + scraped);
        return Double.NaN;
    }

    private static void await(String what, BooleanSupplier done, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail(what + " within 15 s; now:\n" + state.get());
            Thread.sleep(10);
        }
    }

    /** Whether {@code total} changes of a kind were received and the sync that took the last one has finished. */
    private static boolean programmed(Agent agent, String kind, long total) {
        String m = agent.metrics().scrape();
        return sample(m, "kpf_sync_proxy_rules_" + kind + "_changes_total") == total && sample(m, "kpf_sync_proxy_rules_" + kind + "_changes_pending") == 0;
    }

    private static String changes(Agent agent) {
        return String.join("\n", agent.metrics().scrape().lines().filter(l -> l.startsWith("kpf_sync_proxy_rules_") && l.contains("changes")).toList());
    }

    @Test
    void change_counters_partial_syncs_and_programming_latency_from_the_trigger_time() throws Exception {
        List<JsonObject> objects = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE);
        List<JsonObject> slices = objects.stream().filter(o -> o.get("kind").getAsString().equals("EndpointSlice")).toList();
        long services = objects.stream().filter(o -> o.get("kind").getAsString().equals("Service")).count();
        assertTrue(slices.size() >= 4, "the demo cluster has slices to change");
        try (FakeApiServer api = FakeApiServer.start(0)) {
            objects.forEach(api.store()::put);
            Instant beforeStart = Instant.now().minus(Duration.ofHours(1));
            KubeSource source = new KubeSource(KubeClients.fromKubeconfig(api.writeKubeconfig(dir.resolve("kubeconfig"))), "fake API server",
                    Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC());
            try (Agent agent = new Agent(source, new ServiceTranslator("node-a"), new SimulatedDatapath(), new AgentMetrics(), Clock.systemUTC())) {
                agent.start();
                await("the first sync", agent::ready, () -> "not ready");
                String first = agent.metrics().scrape();
                assertEquals(slices.size(), sample(first, "kpf_sync_proxy_rules_endpoint_changes_total"), "every slice read at start is one change");
                assertEquals(services, sample(first, "kpf_sync_proxy_rules_service_changes_total"));
                assertEquals(1, sample(first, "kpf_sync_full_proxy_rules_duration_seconds_count"), "the first sync writes everything");
                assertEquals(0, sample(first, "kpf_network_programming_duration_seconds_count"), "the demo's slices carry no trigger time");

                // the changes below are triggered after the agent started (earlier ones are not its latency)
                Thread.sleep(TRIGGERED_BEFORE.toMillis() + 500);
                int changed = 0;
                for (JsonObject original : slices.subList(0, 3)) {
                    JsonObject slice = original.deepCopy();
                    JsonObject endpoint = slice.getAsJsonArray("endpoints").get(0).getAsJsonObject();
                    JsonObject conditions = new JsonObject();
                    conditions.addProperty("ready", false); // the pod stopped being ready: a real endpoint change
                    endpoint.add("conditions", conditions);
                    JsonObject annotations = new JsonObject();
                    annotations.addProperty(EndpointSlice.TRIGGER_TIME_ANNOTATION, Instant.now().minus(TRIGGERED_BEFORE).toString());
                    slice.getAsJsonObject("metadata").add("annotations", annotations);
                    api.store().put(slice);
                    changed++;
                    int expected = slices.size() + changed;
                    await("endpoint change " + changed + " programmed", () -> programmed(agent, "endpoint", expected), () -> changes(agent));
                }
                // a change triggered before the agent started is not the agent's latency (kube-proxy's trackerStartTime)
                JsonObject old = slices.get(3).deepCopy();
                JsonObject annotations = new JsonObject();
                annotations.addProperty(EndpointSlice.TRIGGER_TIME_ANNOTATION, beforeStart.toString());
                old.getAsJsonObject("metadata").add("annotations", annotations);
                api.store().put(old);
                await("the old change programmed", () -> programmed(agent, "endpoint", slices.size() + 4), () -> changes(agent));
                // a Service change counts as one service change and none of the endpoints
                JsonObject svc = objects.stream().filter(o -> o.get("kind").getAsString().equals("Service")).findFirst().orElseThrow().deepCopy();
                svc.getAsJsonObject("metadata").addProperty("name", "added-later");
                svc.getAsJsonObject("spec").addProperty("clusterIP", "10.96.9.99");
                svc.getAsJsonObject("spec").remove("clusterIPs");
                api.store().put(svc);
                await("the service change programmed", () -> programmed(agent, "service", services + 1), () -> changes(agent));

                String m = agent.metrics().scrape();
                assertEquals(slices.size() + 4, sample(m, "kpf_sync_proxy_rules_endpoint_changes_total"), "a service change is no endpoint change");
                assertEquals(0, sample(m, "kpf_sync_proxy_rules_service_changes_pending"));
                assertEquals(1, sample(m, "kpf_sync_full_proxy_rules_duration_seconds_count"), "no further full sync within 5 minutes");
                double partial = sample(m, "kpf_sync_partial_proxy_rules_duration_seconds_count");
                assertTrue(partial >= 5, "each change programmed by a partial sync: " + partial);
                assertEquals(1 + partial, sample(m, "kpf_sync_proxy_rules_duration_seconds_count"), "every sync is full or partial");

                assertEquals(3, sample(m, "kpf_network_programming_duration_seconds_count"), "the three changes triggered after the start, not the old one");
                double sum = sample(m, "kpf_network_programming_duration_seconds_sum");
                double floor = 3 * TRIGGERED_BEFORE.toMillis() / 1000.0;
                assertTrue(sum >= floor && sum < floor + 3 * 2.0, "each latency runs from its trigger time (" + TRIGGERED_BEFORE + " before, plus the programming): " + sum);
                assertEquals(0, sample(m, "kpf_network_programming_duration_seconds_bucket{le=\"1.0\"}"), "none shorter than the time since the trigger");
            }
        }
    }
}
