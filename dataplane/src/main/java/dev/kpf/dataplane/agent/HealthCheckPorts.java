package dev.kpf.dataplane.agent;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The health check node ports of Services with externalTrafficPolicy Local, served as kube-proxy serves them: any
 * path answers 200 with the number of this node's endpoints when there is at least one, 503 otherwise, so external
 * load balancers send traffic only to nodes that have a backend. Ports open and close as Services come and go.
 */
public final class HealthCheckPorts implements AutoCloseable {
    private record Target(ObjectRef service, int localEndpoints) {}

    private final InetAddress bind;
    private final Map<Integer, HttpServer> servers = new HashMap<>();
    private final Map<Integer, Target> targets = new ConcurrentHashMap<>();
    private final Map<Integer, String> failures = new TreeMap<>();

    public HealthCheckPorts(InetAddress bind) {
        this.bind = bind;
    }

    /** Opens, updates and closes ports to match the table (called after each sync). */
    public synchronized void update(LbTable table) {
        Map<Integer, ObjectRef> services = new HashMap<>();
        Map<Integer, Set<String>> local = new HashMap<>();
        for (LbEntry e : table.entries().values()) {
            if (e.healthCheckNodePort() <= 0 || e.frontend().scope() != Scope.EXTERNAL) continue;
            services.putIfAbsent(e.healthCheckNodePort(), e.service());
            Set<String> addrs = local.computeIfAbsent(e.healthCheckNodePort(), p -> new HashSet<>());
            for (Backend b : e.backends()) if (b.local()) addrs.add(b.address().getHostAddress());
        }
        services.forEach((port, svc) -> targets.put(port, new Target(svc, local.get(port).size())));
        for (Integer port : Set.copyOf(servers.keySet())) {
            if (!services.containsKey(port)) {
                servers.remove(port).stop(0);
                targets.remove(port);
            }
        }
        for (Integer port : services.keySet()) {
            if (servers.containsKey(port)) continue;
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
                server.createContext("/", ex -> {
                    Target t = targets.get(port);
                    JsonObject doc = new JsonObject();
                    JsonObject svc = new JsonObject();
                    svc.addProperty("namespace", t == null ? "" : t.service().namespace());
                    svc.addProperty("name", t == null ? "" : t.service().name());
                    doc.add("service", svc);
                    doc.addProperty("localEndpoints", t == null ? 0 : t.localEndpoints());
                    doc.addProperty("serviceProxyHealthy", true);
                    byte[] body = doc.toString().getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                    ex.sendResponseHeaders(t != null && t.localEndpoints() > 0 ? 200 : 503, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                });
                server.start();
                servers.put(port, server);
                failures.remove(port);
            } catch (IOException e) {
                failures.put(port, "health check node port " + port + " of " + services.get(port) + ": " + e.getMessage());
            }
        }
    }

    /** The ports that could not be opened, with the reason (e.g. in use by another process). */
    public synchronized Map<Integer, String> failures() {
        return Map.copyOf(failures);
    }

    public synchronized Set<Integer> ports() {
        return Set.copyOf(servers.keySet());
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(s -> s.stop(0));
        servers.clear();
    }
}
