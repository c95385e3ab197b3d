package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.agent.Agent;
import dev.kpf.dataplane.agent.AgentHealthPolicy;
import dev.kpf.dataplane.agent.AgentHttp;
import dev.kpf.dataplane.agent.AgentMetrics;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.bpf.SyncReport;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 17: /healthz as kube-proxy's (JSON with lastUpdated and currentTime; 503 when changes wait too long for a
 * successful sync or the source has failed beyond a grace period), /livez, /readyz and HEAD, with a real API outage
 * (the fake API server stops) and a datapath whose writes fail.
 */
class AgentHealthzIT {
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> request(AgentHttp server, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls (every 50 ms, at most 30 s) until /healthz answers {@code code}; returns its body. */
    private JsonObject awaitHealthz(AgentHttp server, int code) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> r = null;
        while (System.nanoTime() < deadline) {
            r = request(server, "GET", "/healthz");
            if (r.statusCode() == code) return JsonParser.parseString(r.body()).getAsJsonObject();
            Thread.sleep(50);
        }
        fail("/healthz did not answer " + code + " within 30 s; last: " + (r == null ? "none" : r.statusCode() + " " + r.body()));
        return null;
    }

    /** An agent on the fake API server (heartbeat every 200 ms) with its HTTP surface, synced and healthy. */
    private record Running(Agent agent, AgentHttp server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            agent.close();
        }
    }

    private Running start(FakeApiServer api, Datapath datapath, AgentHealthPolicy policy) throws Exception {
        KubeSource source = new KubeSource(KubeClients.fromKubeconfig(api.writeKubeconfig(dir.resolve("kubeconfig"))), "fake API server",
                Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC()).withHeartbeat(Duration.ofMillis(200));
        Agent agent = new Agent(source, new ServiceTranslator("node-a"), datapath, new AgentMetrics(), Clock.systemUTC());
        Running running = new Running(agent, AgentHttp.start(new InetSocketAddress("127.0.0.1", 0), agent, policy));
        agent.start();
        assertTrue(agent.awaitReady(Duration.ofSeconds(15)), "the first sync within 15 s");
        return running;
    }

    private static FakeApiServer demoApi() throws Exception {
        FakeApiServer api = FakeApiServer.start(0);
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(api.store()::put);
        return api;
    }

    @Test
    void a_dead_api_server_fails_healthz_after_the_grace_period_while_livez_and_readyz_stay_up() throws Exception {
        FakeApiServer api = demoApi();
        boolean dead = false;
        try (Running running = start(api, new SimulatedDatapath(), new AgentHealthPolicy(Duration.ofSeconds(60), Duration.ofSeconds(1)))) {
            AgentHttp server = running.server();
            JsonObject healthy = awaitHealthz(server, 200);
            Instant updated = Instant.parse(healthy.get("lastUpdated").getAsString());
            Instant now = Instant.parse(healthy.get("currentTime").getAsString());
            assertTrue(!updated.isAfter(now) && healthy.get("healthy").getAsBoolean(), healthy.toString());
            HttpResponse<String> head = request(server, "HEAD", "/healthz");
            assertEquals(200, head.statusCode());
            assertEquals("", head.body(), "HEAD: the status without a body");

            api.close(); // the API server dies
            dead = true;
            JsonObject failing = awaitHealthz(server, 503);
            assertTrue(failing.get("reason").getAsString().startsWith("the source (fake API server) has failed for"), failing.toString());
            assertEquals(updated.toString(), failing.get("lastUpdated").getAsString(), "the last successful sync is still the one before the outage");
            assertEquals(200, request(server, "GET", "/livez").statusCode(), "the process is alive");
            assertEquals(200, request(server, "HEAD", "/livez").statusCode());
            assertEquals(200, request(server, "GET", "/readyz").statusCode(), "the programmed state still serves");
            assertEquals(405, request(server, "POST", "/healthz").statusCode());
        } finally {
            if (!dead) api.close();
        }
    }

    /**
     * An API server that answers only errors for a while (watches dropped), then recovers in a quiet cluster: /healthz
     * fails, and comes back without any change to publish (the heartbeat's answer counts as contact).
     */
    @Test
    void an_api_outage_fails_healthz_and_recovery_mends_it_without_a_change() throws Exception {
        try (FakeApiServer api = demoApi();
             Running running = start(api, new SimulatedDatapath(), new AgentHealthPolicy(Duration.ofSeconds(60), Duration.ofSeconds(1)))) {
            AgentHttp server = running.server();
            awaitHealthz(server, 200);
            api.faults().down();
            assertTrue(awaitHealthz(server, 503).get("reason").getAsString().contains("has failed for"));
            api.faults().up();
            JsonObject back = awaitHealthz(server, 200);
            assertTrue(back.get("healthy").getAsBoolean(), back.toString());
        }
    }

    @Test
    void changes_that_wait_for_a_successful_sync_beyond_the_limit_fail_healthz_and_a_good_sync_mends_it() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        SimulatedDatapath simulated = new SimulatedDatapath();
        Datapath failing = new Datapath() {
            public SyncReport apply(LbTable desired) {
                if (broken.get()) throw new IllegalStateException("injected: the maps refuse writes");
                return simulated.apply(desired);
            }
            public LbTable readBack() { return simulated.readBack(); }
            public boolean simulated() { return true; }
            public String describe() { return "a datapath whose writes can be made to fail"; }
            public void close() { simulated.close(); }
        };
        try (FakeApiServer api = demoApi();
             Running running = start(api, failing, new AgentHealthPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60)))) {
            AgentHttp server = running.server();
            awaitHealthz(server, 200);
            broken.set(true);
            JsonObject svc = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).stream()
                    .filter(o -> o.get("kind").getAsString().equals("Service")).findFirst().orElseThrow().deepCopy();
            svc.getAsJsonObject("metadata").addProperty("name", "changed-while-broken");
            svc.getAsJsonObject("spec").remove("clusterIP");
            svc.getAsJsonObject("spec").remove("clusterIPs");
            api.store().put(svc);
            JsonObject waiting = awaitHealthz(server, 503);
            assertTrue(waiting.get("reason").getAsString().startsWith("changes have waited"), waiting.toString());
            broken.set(false);
            svc.getAsJsonObject("metadata").addProperty("name", "changed-after-the-fix");
            api.store().put(svc);
            awaitHealthz(server, 200);
        }
    }
}
