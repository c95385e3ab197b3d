package dev.kpf.dataplane.agent;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's HTTP surface over a directory source and the simulated datapath. */
class AgentHttpIT {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(InetSocketAddress a, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void health_readiness_metrics_status_and_services_are_served_read_only() throws Exception {
        Path cluster = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "traffic-policy-local");
        try (Agent agent = new Agent(new DirectorySource(cluster, Duration.ofSeconds(1), Clock.systemUTC()), new ServiceTranslator("node-a"),
                new SimulatedDatapath(), new AgentMetrics(), Clock.systemUTC());
             AgentHttp server = AgentHttp.start(new InetSocketAddress("127.0.0.1", 0), agent)) {
            assertEquals(503, get(server.address(), "/readyz").statusCode(), "not ready before the first sync");
            agent.start();
            assertTrue(agent.awaitReady(Duration.ofSeconds(10)));
            assertEquals(200, get(server.address(), "/healthz").statusCode());
            assertEquals(200, get(server.address(), "/readyz").statusCode());

            String metrics = get(server.address(), "/metrics").body();
            for (String name : new String[] {"kpf_sync_proxy_rules_duration_seconds_count", "kpf_network_programming_duration_seconds_count",
                    "kpf_sync_proxy_rules_last_timestamp_seconds", "kpf_services 9.0", "kpf_backends"}) {
                assertTrue(metrics.contains(name), name + " in\n" + metrics);
            }
            JsonObject status = JsonParser.parseString(get(server.address(), "/v1/status").body()).getAsJsonObject();
            assertEquals("kpf.status/v1", status.get("schema").getAsString());
            assertTrue(status.get("simulated").getAsBoolean(), "the simulated datapath says so");
            assertEquals(9, status.get("frontends").getAsInt());
            JsonObject services = JsonParser.parseString(get(server.address(), "/v1/services").body()).getAsJsonObject();
            assertEquals("kpf.services/v1", services.get("schema").getAsString());
            assertEquals(9, services.getAsJsonArray("frontends").size());
            assertTrue(services.get("simulated").getAsBoolean());

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/v1/status"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode(), "nothing on these ports changes state");
        }
    }
}
