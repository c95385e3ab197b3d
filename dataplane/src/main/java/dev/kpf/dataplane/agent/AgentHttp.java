package dev.kpf.dataplane.agent;

import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The agent's read-only HTTP surface: /healthz (kube-proxy's JSON, failing as {@link AgentHealthPolicy} says),
 * /livez (the process answers), /readyz (200 after the first programmed sync), /metrics (Prometheus text),
 * /v1/status and /v1/services (JSON; services are read back from the datapath, i.e. the kernel maps). Anything but
 * GET and HEAD is refused; nothing here changes state.
 */
public final class AgentHttp implements AutoCloseable {
    /** The schema of /v1/status: how the doctor and the TUI tell a kpf agent from anything else answering there. */
    public static final String STATUS_SCHEMA = "kpf.status/v1";
    /**
     * kpf's own port (kube-proxy's are 10249 for metrics and 10256 for health checks; kubelet, the scheduler and the
     * controller manager use 10250, 10259 and 10257): a node that runs both during the switch, or only kube-proxy,
     * is never mistaken for a kpf node.
     */
    public static final String DEFAULT_LISTEN = "127.0.0.1:10290";
    public static final String DEFAULT_URL = "http://" + DEFAULT_LISTEN;

    private final HttpServer server;
    private final Agent agent;
    private final AgentHealthPolicy health;
    /** Serves /metrics only: the listener a cluster's Prometheus scrapes on the node address. */
    private final boolean metricsOnly;

    private AgentHttp(HttpServer server, Agent agent, AgentHealthPolicy health, boolean metricsOnly) {
        this.server = server;
        this.agent = agent;
        this.health = health;
        this.metricsOnly = metricsOnly;
    }

    public static AgentHttp start(InetSocketAddress listen, Agent agent) throws IOException {
        return start(listen, agent, AgentHealthPolicy.DEFAULT);
    }

    public static AgentHttp start(InetSocketAddress listen, Agent agent, AgentHealthPolicy health) throws IOException {
        return start(listen, agent, health, false);
    }

    /** A listener that serves /metrics and nothing else (no status API, no tables): for the node address. */
    public static AgentHttp startMetricsOnly(InetSocketAddress listen, Agent agent) throws IOException {
        return start(listen, agent, AgentHealthPolicy.DEFAULT, true);
    }

    private static AgentHttp start(InetSocketAddress listen, Agent agent, AgentHealthPolicy health, boolean metricsOnly) throws IOException {
        HttpServer server = HttpServer.create(listen, 16);
        AgentHttp http = new AgentHttp(server, agent, health, metricsOnly);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> Thread.ofPlatform().daemon().name("kpf-agent-http").unstarted(r)));
        server.createContext("/", http::handle);
        server.start();
        return http;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain", "read-only: only GET and HEAD are served\n");
                return;
            }
            if (metricsOnly && !ex.getRequestURI().getPath().equals("/metrics")) {
                send(ex, 404, "text/plain", "not found: this listener serves /metrics only\n");
                return;
            }
            switch (ex.getRequestURI().getPath()) {
                case "/healthz" -> {
                    // kube-proxy's shape: lastUpdated and currentTime, 503 when changes wait too long or the source fails
                    AgentHealthPolicy.Verdict v = agent.health(health);
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("lastUpdated", agent.lastUpdated().map(Object::toString).orElse(null));
                    doc.put("currentTime", java.time.Instant.now().toString());
                    doc.put("healthy", v.healthy());
                    if (!v.healthy()) doc.put("reason", v.reason());
                    send(ex, v.healthy() ? 200 : 503, "application/json", json(doc));
                }
                case "/livez" -> send(ex, 200, "text/plain", "ok\n");
                case "/readyz" -> send(ex, agent.ready() ? 200 : 503, "text/plain", agent.ready() ? "ready\n" : "not ready: no programmed sync yet\n");
                case "/metrics" -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", agent.metrics().scrape());
                case "/v1/status" -> send(ex, 200, "application/json", json(status()));
                case "/v1/services" -> {
                    Map<String, Object> doc = TableJson.document(agent.datapath().readBack(), agent.status().node(), "maps");
                    doc.put("simulated", agent.datapath().simulated());
                    send(ex, 200, "application/json", json(doc));
                }
                default -> send(ex, 404, "text/plain", "not found; try /healthz /livez /readyz /metrics /v1/status /v1/services\n");
            }
        }
    }

    private Map<String, Object> status() {
        AgentStatus s = agent.status();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", STATUS_SCHEMA);
        doc.put("node", s.node());
        doc.put("ready", s.ready());
        doc.put("datapath", s.datapath());
        doc.put("devices", agent.datapath().devices());
        doc.put("tcAttach", agent.datapath().tcAttach());
        doc.put("simulated", s.simulated());
        doc.put("syncs", s.syncs());
        doc.put("lastSync", s.lastSync().map(Object::toString).orElse(null));
        doc.put("lastSyncMillis", s.lastSyncDuration().map(d -> d.toNanos() / 1e6).orElse(null));
        doc.put("frontends", s.frontends());
        doc.put("backends", s.backends());
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("description", s.source().description());
        source.put("synced", s.source().synced());
        source.put("publishes", s.source().publishes());
        source.put("lastError", s.source().lastError().orElse(null));
        source.put("lastErrorAt", s.source().lastErrorAt().map(Object::toString).orElse(null));
        source.put("degraded", s.source().degraded());
        source.put("bootstrapRisk", s.source().bootstrapRisk().orElse(null));
        doc.put("source", source);
        doc.put("errors", s.lastErrors().stream().map(p -> p.object() + ": " + p.message()).toList());
        Map<String, Object> maps = new LinkedHashMap<>();
        agent.datapath().mapUsage().forEach((k, v) -> maps.put(k, Map.of("entries", v[0], "capacity", v[1])));
        doc.put("maps", maps);
        if (!agent.datapath().devices().isEmpty()) {
            Map<String, Object> ct = new LinkedHashMap<>();
            dev.kpf.dataplane.bpf.SweepReport sweep = agent.lastSweep();
            ct.put("lastSweep", Map.of("scanned", sweep.scanned(), "deleted", sweep.deleted(), "cpuMillis", sweep.cpuNanos() / 1e6));
            Map<String, Long> events = new LinkedHashMap<>();
            agent.datapath().tcEvents().forEach((e, n) -> events.put(e.metric(), n));
            ct.put("events", events);
            doc.put("conntrack", ct);
        }
        return doc;
    }

    private static String json(Object o) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(o) + "\n";
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(code, -1); // the status and headers a GET would get, no body
            return;
        }
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
