package dev.kpf.dataplane.agent;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.DirectorySource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent serves the health check node ports of externalTrafficPolicy Local Services as kube-proxy does (on loopback here). */
class HealthCheckPortsIT {
    @Test
    void a_node_with_a_local_endpoint_answers_200_and_one_without_503() throws Exception {
        Path cluster = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "traffic-policy-local");
        HealthCheckPorts ports = new HealthCheckPorts(InetAddress.getLoopbackAddress());
        try (Agent agent = new Agent(new DirectorySource(cluster, Duration.ofSeconds(1), Clock.systemUTC()), new ServiceTranslator("node-a"),
                new SimulatedDatapath(), new AgentMetrics(), Clock.systemUTC()).serveHealthChecks(ports)) {
            agent.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!agent.ready() && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(Set.of(32000, 32001), ports.ports(), ports.failures().toString());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> healthy = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:32000/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, healthy.statusCode());
            JsonObject doc = JsonParser.parseString(healthy.body()).getAsJsonObject();
            assertEquals(1, doc.get("localEndpoints").getAsInt());
            assertEquals("edge", doc.getAsJsonObject("service").get("namespace").getAsString());
            assertEquals("ingress", doc.getAsJsonObject("service").get("name").getAsString());
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:32001/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, none.statusCode(), "no endpoint on this node: load balancers must skip it");
            assertTrue(none.body().contains("\"localEndpoints\":0"), none.body());
        }
        assertEquals(Set.of(), ports.ports(), "closed with the agent");
    }
}
