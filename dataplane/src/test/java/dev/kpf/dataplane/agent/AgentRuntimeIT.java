package dev.kpf.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: an agent started from settings (as the command line, the DaemonSet and the demo start it) serves /metrics
 * alone on the opt-in metrics listener (no status API or tables there), and a simulated agent, which serves no
 * traffic, answers health check node ports on loopback only.
 */
class AgentRuntimeIT {
    private static final Path CLUSTER = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "traffic-policy-local");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static AgentSettings simulated(String metrics, String healthChecks) {
        return AgentSettings.simulated("node-a").withMetricsListen(AgentSettings.metricsListen(metrics, Map.of("NODE_IP", "127.0.0.1")))
                .withHealthCheckAddress(AgentSettings.healthCheckAddress(healthChecks, true));
    }

    private static AgentRuntime start(AgentSettings s) throws Exception {
        AgentRuntime rt = AgentRuntime.start(s, AgentSources.directory(CLUSTER), AgentDatapath.open(s));
        assertTrue(rt.agent().awaitReady(Duration.ofSeconds(10)), "synced within 10 s");
        return rt;
    }

    private HttpResponse<String> get(InetSocketAddress at, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_metrics_listener_serves_metrics_and_nothing_else() throws Exception {
        try (AgentRuntime rt = start(simulated("node:0", "none"))) {
            InetSocketAddress metrics = rt.metricsAddress().orElseThrow();
            assertEquals("127.0.0.1", metrics.getAddress().getHostAddress(), "node:PORT binds $NODE_IP");
            HttpResponse<String> scraped = get(metrics, "/metrics");
            assertEquals(200, scraped.statusCode());
            assertTrue(scraped.body().contains("kpf_sync_proxy_rules_duration_seconds_count"), scraped.body());
            for (String path : new String[] {"/v1/status", "/v1/services", "/healthz", "/"}) {
                assertEquals(404, get(metrics, path).statusCode(), path + " is not on the metrics listener");
            }
            assertEquals(200, get(rt.address(), "/v1/status").statusCode(), "the main listener serves everything");
        }
        try (AgentRuntime rt = start(simulated("none", "none"))) {
            assertEquals(Optional.empty(), rt.metricsAddress(), "opt-in: none by default");
        }
    }

    /**
     * Every agent, whatever its datapath, checks every 30 s whether heap grown by a burst of changes can go back
     * ({@link HeapReturn#whenIdle}); closing the runtime stops that timer.
     */
    @Test
    void every_agent_runs_the_idle_heap_check_until_closed() throws Exception {
        Thread timer;
        try (AgentRuntime rt = start(simulated("none", "none"))) {
            timer = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("kpf-heap") && t.isAlive()).findFirst().orElse(null);
            assertTrue(timer != null, "a kpf-heap timer thread runs");
        }
        timer.join(5000);
        assertFalse(timer.isAlive(), "the kpf-heap timer stopped with the runtime");
    }

    @Test
    void a_simulated_agent_answers_health_check_ports_on_loopback_only() throws Exception {
        try (AgentRuntime rt = start(simulated("none", "auto"))) {
            // traffic-policy-local: externalTrafficPolicy Local Services with health check node ports 32000 and 32001
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", 32000), 2000);
            }
            // a socket bound to 0.0.0.0 would accept this too (every 127/8 address is this host's loopback)
            assertThrows(IOException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.2", 32000), 2000);
                }
            });
        }
    }

    @Test
    void settings_name_the_flag_and_the_fix() {
        assertEquals("--metrics-listen node:10291: NODE_IP is not set (the DaemonSet sets it from status.hostIP); use ADDR:PORT instead",
                assertThrows(IllegalArgumentException.class, () -> AgentSettings.metricsListen("node:10291", Map.of())).getMessage());
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.5", 10291)), AgentSettings.metricsListen("node:10291", Map.of("NODE_IP", "10.0.0.5")));
        assertEquals(Optional.of(new InetSocketAddress("::1", 10291)), AgentSettings.metricsListen("[::1]:10291", Map.of()));
        assertEquals("--listen nonsense: use ADDR:PORT, e.g. 127.0.0.1:10290",
                assertThrows(IllegalArgumentException.class, () -> AgentSettings.listen("--listen", "nonsense")).getMessage());
        assertEquals("--tc-attach tcp: use auto, tcx or clsact", assertThrows(IllegalArgumentException.class, () -> AgentSettings.tcAttach("tcp")).getMessage());
        assertEquals("--snat-ports a-b: use MIN-MAX, e.g. 1024-32767",
                assertThrows(IllegalArgumentException.class, () -> AgentSettings.conntrack("a-b", 7200, 120)).getMessage());
        assertEquals("--snat-ip my-node: not an IP address", assertThrows(IllegalArgumentException.class, () -> AgentSettings.address("--snat-ip", "my-node")).getMessage());
        assertEquals(new AgentSettings.Devices.Named(java.util.List.of("eth0", "eth1")), AgentSettings.devices("eth0, eth1"));
        assertEquals("0.0.0.0", AgentSettings.healthCheckAddress("auto", false).orElseThrow().getHostAddress(), "as kube-proxy, where traffic is served");
        assertEquals(Optional.empty(), AgentSettings.healthCheckAddress("none", false));
    }
}
