package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: the agent's real /metrics output after syncs passes {@code promtool check metrics} (Prometheus's own linter,
 * from Debian's package), carries kube-proxy's sync metrics under kpf_ names, and the JVM's and process's metrics.
 */
class AgentMetricsPromtoolIT {
    @Test
    void the_agents_metrics_pass_promtool_and_name_what_kube_proxy_names() throws Exception {
        KernelRequirement.requireCommand("promtool");
        Path cluster = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "traffic-policy-local");
        String scraped;
        try (Agent agent = new Agent(new DirectorySource(cluster, Duration.ofSeconds(1), Clock.systemUTC()), new ServiceTranslator("node-a"),
                new SimulatedDatapath(), new AgentMetrics(), Clock.systemUTC())) {
            agent.start();
            assertTrue(agent.awaitReady(Duration.ofSeconds(10)));
            scraped = agent.metrics().scrape();
        }
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(scraped.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + said);
        // traffic-policy-local holds 3 Services and 3 EndpointSlices: one change each, all programmed
        for (String name : new String[] {"kpf_sync_proxy_rules_duration_seconds_bucket", "kpf_sync_full_proxy_rules_duration_seconds_count 1",
                "kpf_sync_partial_proxy_rules_duration_seconds_count 0", "kpf_network_programming_duration_seconds_bucket{le=\"300.0\"}",
                "kpf_sync_proxy_rules_last_queued_timestamp_seconds", "kpf_sync_proxy_rules_endpoint_changes_total 3.0",
                "kpf_sync_proxy_rules_endpoint_changes_pending 0.0", "kpf_sync_proxy_rules_service_changes_total 3.0",
                "kpf_sync_proxy_rules_service_changes_pending 0.0", "kpf_build_info{", "jvm_memory_used_bytes", "process_cpu_seconds_total",
                "kpf_sync_proxy_rules_duration_seconds_bucket{le=\"16.384\"}",
                // each JVM family the agent registers (JvmMetrics' but native memory, which reports nothing without NMT;
                // jvm_memory_pool_allocated_bytes_total too, but it shows only after a collection)
                "jvm_threads_current", "jvm_buffer_pool_used_bytes", "jvm_classes_currently_loaded", "jvm_compilation_time_seconds_total",
                "jvm_gc_collection_seconds", "jvm_runtime_info", "process_open_fds"}) {
            assertTrue(scraped.contains(name), name + " in\n" + scraped);
        }
    }
}
