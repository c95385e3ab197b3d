package dev.kpf.testdata.apiserver;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Kubernetes API server for tests and the demo, on the JDK's HttpServer, bound to 127.0.0.1. It speaks the real
 * protocol for what kpf and kubectl use: discovery ({@code /api}, {@code /apis}, group versions, {@code /version}),
 * list with resourceVersion and limit/continue, streamed watches from a resourceVersion with 410 Gone when that
 * version is compacted away, get by name, namespaced and all-namespace paths, and server-side Tables for kubectl.
 * Writes go through {@link #store()} (tests and the demo's churn), not through HTTP. {@link #faults()} injects
 * errors, delays, 403s and dropped watches.
 */
public final class FakeApiServer implements AutoCloseable {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final int MAX_WATCH_SECONDS = 600;

    private final HttpServer http;
    private final ExecutorService executor;
    private final ObjectStore store;
    private final Faults faults = new Faults();
    private final Clock clock;
    private volatile boolean closed;

    private FakeApiServer(HttpServer http, ExecutorService executor, ObjectStore store, Clock clock) {
        this.http = http;
        this.executor = executor;
        this.store = store;
        this.clock = clock;
    }

    /** Starts on 127.0.0.1:{@code port} (0 picks a free port). */
    public static FakeApiServer start(int port) throws IOException {
        return start(port, new ObjectStore(10_000, Clock.systemUTC()), Clock.systemUTC());
    }

    public static FakeApiServer start(int port, ObjectStore store, Clock clock) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        FakeApiServer server = new FakeApiServer(http, executor, store, clock);
        http.setExecutor(executor);
        http.createContext("/", server::handle);
        http.start();
        return server;
    }

    public ObjectStore store() {
        return store;
    }

    public Faults faults() {
        return faults;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * Writes the JSON of every stored object as lists will serve it, so that the first list does not. A bench that
     * runs this server on the cores of the agent it measures calls it before starting the agent: a real API server
     * does its work on other machines.
     */
    public void prepareLists() {
        for (ResourceType r : ResourceType.ALL) {
            for (JsonObject o : store.list(r, null).items()) store.text(r, o, GSON::toJson);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Writes a kubeconfig that points kubectl and the Kubernetes client at this server. */
    public Path writeKubeconfig(Path file) throws IOException {
        String config = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kpf-fake
                  cluster:
                    server: %s
                contexts:
                - name: kpf-fake
                  context:
                    cluster: kpf-fake
                    user: kpf-fake
                current-context: kpf-fake
                users:
                - name: kpf-fake
                  user: {}
                """.formatted(url());
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, config);
        return file;
    }

    @Override
    public void close() {
        closed = true;
        faults.dropWatches();
        http.stop(0);
        executor.shutdownNow();
    }

    // ---- request handling ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (faults.delayMillis() > 0) Thread.sleep(faults.delayMillis());
            if (!ex.getRequestMethod().equals("GET")) {
                status(ex, 405, "MethodNotAllowed", "the fake API server is read-only over HTTP");
                return;
            }
            String path = ex.getRequestURI().getPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            Route route = Route.parse(path);
            int failure = faults.failureFor(route == null ? null : route.resource == null ? null : route.resource.plural());
            if (failure != 0) {
                String reason = switch (failure) {
                    case 403 -> "Forbidden";
                    case 503 -> "ServiceUnavailable";
                    default -> "InternalError";
                };
                String message = failure == 403 ? route.resource.plural() + " is forbidden: User \"system:serviceaccount:kube-system:kpf\" "
                        + "cannot list resource \"" + route.resource.plural() + "\" in API group \"" + route.resource.group() + "\""
                        : "injected fault " + failure;
                status(ex, failure, reason, message);
                return;
            }
            switch (path) {
                case "/version" -> json(ex, 200, version());
                case "/api" -> json(ex, 200, apiVersions());
                case "/apis" -> json(ex, 200, apiGroups());
                default -> {
                    if (route == null) {
                        status(ex, 404, "NotFound", "the server could not find the requested resource");
                    } else if (route.resource == null) {
                        json(ex, 200, resourceList(route.group, route.version));
                    } else if (route.name != null) {
                        get(ex, route);
                    } else if ("true".equals(query.get("watch")) || "1".equals(query.get("watch"))) {
                        watch(ex, route, query);
                    } else {
                        list(ex, route, query);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            // the client went away, or the server is closing
        }
    }

    /** A parsed API path: group/version, and optionally resource, namespace and name. */
    record Route(String group, String version, ResourceType resource, String namespace, String name) {
        static Route parse(String path) {
            String[] s = path.replaceAll("^/+|/+$", "").split("/");
            int i;
            String group, version;
            if (s.length >= 2 && s[0].equals("api")) {
                group = "";
                version = s[1];
                i = 2;
            } else if (s.length >= 3 && s[0].equals("apis")) {
                group = s[1];
                version = s[2];
                i = 3;
            } else {
                return null;
            }
            if (ResourceType.ALL.stream().noneMatch(r -> r.group().equals(group) && r.version().equals(version))) return null;
            int rest = s.length - i;
            if (rest == 0) return new Route(group, version, null, null, null);
            String namespace = null;
            if (s[i].equals("namespaces") && rest >= 3) {
                namespace = s[i + 1];
                i += 2;
                rest -= 2;
            }
            Optional<ResourceType> r = ResourceType.byPath(group, version, s[i]);
            if (r.isEmpty() || rest > 2) return null;
            if (namespace != null && !r.get().namespaced()) return null;
            return new Route(group, version, r.get(), namespace, rest == 2 ? s[i + 1] : null);
        }
    }

    private void get(HttpExchange ex, Route route) throws IOException {
        Optional<JsonObject> o = store.get(route.resource, route.namespace == null ? "" : route.namespace, route.name);
        if (o.isEmpty()) {
            status(ex, 404, "NotFound", route.resource.plural() + " \"" + route.name + "\" not found");
        } else if (wantsTable(ex)) {
            json(ex, 200, Tables.table(route.resource, List.of(o.get()), store.resourceVersion(), clock));
        } else {
            json(ex, 200, o.get());
        }
    }

    private void list(HttpExchange ex, Route route, Map<String, String> query) throws IOException {
        ObjectStore.Snapshot snap = store.list(route.resource, route.namespace);
        List<JsonObject> items = filter(snap.items(), query.get("labelSelector"));
        long listVersion = snap.resourceVersion();
        String cont = query.get("continue");
        if (cont != null && !cont.isEmpty()) {
            String[] token = new String(Base64.getUrlDecoder().decode(cont), StandardCharsets.UTF_8).split("\\|", 2);
            long tokenVersion = Long.parseLong(token[0]);
            if (store.expired(tokenVersion)) {
                status(ex, 410, "Expired", "The provided continue parameter is too old to display a consistent list result.");
                return;
            }
            String after = token[1];
            items = items.stream().filter(o -> ObjectStore.key(o).compareTo(after) > 0).toList();
            listVersion = tokenVersion;
        }
        String nextContinue = null;
        int limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : 0;
        if (limit > 0 && items.size() > limit) {
            items = items.subList(0, limit);
            String last = ObjectStore.key(items.getLast());
            nextContinue = Base64.getUrlEncoder().encodeToString((listVersion + "|" + last).getBytes(StandardCharsets.UTF_8));
        }
        if (wantsTable(ex)) {
            JsonObject t = Tables.table(route.resource, items, listVersion, clock);
            if (nextContinue != null) t.getAsJsonObject("metadata").addProperty("continue", nextContinue);
            json(ex, 200, t);
            return;
        }
        JsonObject list = new JsonObject();
        list.addProperty("kind", route.resource.listKind());
        list.addProperty("apiVersion", route.resource.apiVersion());
        JsonObject meta = new JsonObject();
        meta.addProperty("resourceVersion", Long.toString(listVersion));
        if (nextContinue != null) meta.addProperty("continue", nextContinue);
        list.add("metadata", meta);
        // the list's own fields, then its items as the store keeps them written (what GSON would write of the whole)
        String head = GSON.toJson(list);
        StringBuilder body = new StringBuilder(head.length() + items.size() * 1024).append(head, 0, head.length() - 1).append(",\"items\":[");
        for (int i = 0; i < items.size(); i++) body.append(i == 0 ? "" : ",").append(store.text(route.resource, items.get(i), GSON::toJson));
        send(ex, 200, body.append("]}").toString());
    }

    private void watch(HttpExchange ex, Route route, Map<String, String> query) throws IOException, InterruptedException {
        long generation = faults.watchGeneration();
        int timeout = Math.min(MAX_WATCH_SECONDS, query.containsKey("timeoutSeconds") ? Integer.parseInt(query.get("timeoutSeconds")) : MAX_WATCH_SECONDS);
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        String rvText = query.getOrDefault("resourceVersion", "");
        String selector = query.get("labelSelector");
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        long since;
        if (rvText.isEmpty() || rvText.equals("0")) {
            ObjectStore.Snapshot snap = store.list(route.resource, route.namespace);
            for (JsonObject o : filter(snap.items(), selector)) writeEvent(out, "ADDED", o);
            out.flush();
            since = snap.resourceVersion();
        } else {
            since = Long.parseLong(rvText);
        }
        while (!closed && System.nanoTime() < deadline && faults.watchGeneration() == generation) {
            Optional<List<WatchEvent>> events = store.eventsAfter(route.resource, since, 500);
            if (events.isEmpty()) {
                writeEvent(out, "ERROR", statusBody(410, "Expired", "too old resource version: " + since + " (" + store.resourceVersion() + ")"));
                out.flush();
                return;
            }
            for (WatchEvent e : events.get()) {
                since = e.resourceVersion();
                if (route.namespace != null && !route.namespace.equals(e.namespace())) continue;
                if (!filter(List.of(e.object()), selector).isEmpty()) writeEvent(out, e.type(), e.object());
            }
            out.flush();
        }
    }

    private static void writeEvent(OutputStream out, String type, JsonObject object) throws IOException {
        JsonObject e = new JsonObject();
        e.addProperty("type", type);
        e.add("object", object);
        out.write((GSON.toJson(e) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Equality-based label selectors ({@code a=b,c==d,e!=f}); anything else matches everything. */
    static List<JsonObject> filter(List<JsonObject> items, String selector) {
        if (selector == null || selector.isBlank()) return items;
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject o : items) {
            JsonObject labels = o.getAsJsonObject("metadata").has("labels") ? o.getAsJsonObject("metadata").getAsJsonObject("labels") : new JsonObject();
            boolean match = true;
            for (String term : selector.split(",")) {
                String t = term.strip();
                boolean negate = t.contains("!=");
                String[] kv = t.split("!=|==|=", 2);
                if (kv.length != 2) continue;
                String actual = labels.has(kv[0]) ? labels.get(kv[0]).getAsString() : null;
                boolean eq = kv[1].equals(actual);
                if (negate == eq) match = false;
            }
            if (match) out.add(o);
        }
        return out;
    }

    private static boolean wantsTable(HttpExchange ex) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains("as=Table");
    }

    // ---- discovery ----

    private static JsonObject version() {
        JsonObject v = new JsonObject();
        v.addProperty("major", "1");
        v.addProperty("minor", "32");
        v.addProperty("gitVersion", "v1.32.0-kpf-fake");
        v.addProperty("platform", "linux/amd64");
        return v;
    }

    private JsonObject apiVersions() {
        JsonObject v = new JsonObject();
        v.addProperty("kind", "APIVersions");
        JsonArray versions = new JsonArray();
        versions.add("v1");
        v.add("versions", versions);
        JsonArray addresses = new JsonArray();
        JsonObject a = new JsonObject();
        a.addProperty("clientCIDR", "0.0.0.0/0");
        a.addProperty("serverAddress", "127.0.0.1:" + port());
        addresses.add(a);
        v.add("serverAddressByClientCIDRs", addresses);
        return v;
    }

    private static JsonObject apiGroups() {
        Map<String, String> groups = new LinkedHashMap<>();
        for (ResourceType r : ResourceType.ALL) if (!r.group().isEmpty()) groups.putIfAbsent(r.group(), r.version());
        JsonObject list = new JsonObject();
        list.addProperty("kind", "APIGroupList");
        list.addProperty("apiVersion", "v1");
        JsonArray arr = new JsonArray();
        groups.forEach((g, v) -> {
            JsonObject group = new JsonObject();
            group.addProperty("name", g);
            JsonObject gv = new JsonObject();
            gv.addProperty("groupVersion", g + "/" + v);
            gv.addProperty("version", v);
            JsonArray versions = new JsonArray();
            versions.add(gv);
            group.add("versions", versions);
            group.add("preferredVersion", gv.deepCopy());
            arr.add(group);
        });
        list.add("groups", arr);
        return list;
    }

    private static JsonObject resourceList(String group, String version) {
        JsonObject list = new JsonObject();
        list.addProperty("kind", "APIResourceList");
        list.addProperty("apiVersion", "v1");
        list.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
        JsonArray arr = new JsonArray();
        Map<String, String> shortNames = new HashMap<>(Map.of("services", "svc", "nodes", "no", "configmaps", "cm", "namespaces", "ns", "daemonsets", "ds"));
        for (ResourceType r : ResourceType.ALL) {
            if (!r.group().equals(group) || !r.version().equals(version)) continue;
            JsonObject res = new JsonObject();
            res.addProperty("name", r.plural());
            res.addProperty("singularName", r.kind().toLowerCase(java.util.Locale.ROOT));
            res.addProperty("namespaced", r.namespaced());
            res.addProperty("kind", r.kind());
            JsonArray verbs = new JsonArray();
            List.of("get", "list", "watch").forEach(verbs::add);
            res.add("verbs", verbs);
            if (shortNames.containsKey(r.plural())) {
                JsonArray sn = new JsonArray();
                sn.add(shortNames.get(r.plural()));
                res.add("shortNames", sn);
            }
            arr.add(res);
        }
        list.add("resources", arr);
        return list;
    }

    // ---- responses ----

    private static JsonObject statusBody(int code, String reason, String message) {
        JsonObject s = new JsonObject();
        s.addProperty("kind", "Status");
        s.addProperty("apiVersion", "v1");
        s.add("metadata", new JsonObject());
        s.addProperty("status", "Failure");
        s.addProperty("message", message);
        s.addProperty("reason", reason);
        s.addProperty("code", code);
        return s;
    }

    private static void status(HttpExchange ex, int code, String reason, String message) throws IOException {
        json(ex, code, statusBody(code, reason, message));
    }

    private static void json(HttpExchange ex, int code, JsonObject body) throws IOException {
        send(ex, code, GSON.toJson(body));
    }

    private static void send(HttpExchange ex, int code, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
