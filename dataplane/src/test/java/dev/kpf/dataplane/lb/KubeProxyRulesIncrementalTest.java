package dev.kpf.dataplane.lb;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.ClusterState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: incremental translation stays full translation under kube-proxy's rules for omitted conditions, informer
 * labels, first addresses, node and zone hints, source ranges, ingress modes, legacy IPv4 text and duplicate
 * endpoints. Seeded random clusters that use all of them change one object at a time (a Service, a slice or a Node
 * replaced or deleted); after every change the diffs applied so far must equal a full translation of the state.
 */
class KubeProxyRulesIncrementalTest {
    private static final String[] NODES = {"node-a", "node-b", "node-c"};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void every_diff_applied_equals_the_full_translation(long seed) {
        check(seed, false);
    }

    /**
     * As sources publish: an unchanged object keeps its instance from one state to the next, and a kind with no change
     * keeps its map (the incremental translator skips what is the same instance without comparing). The table it
     * keeps in order must equal the full translation too.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void unchanged_instances_carried_over_give_the_same_translation(long seed) {
        check(seed, true);
    }

    private void check(long seed, boolean carryOver) {
        Random r = new Random(seed);
        Map<String, JsonObject> objects = new LinkedHashMap<>();
        for (int n = 0; n < NODES.length; n++) objects.put("node/" + n, node(r, n));
        for (int s = 0; s < 6; s++) {
            objects.put("svc/" + s, service(r, s));
            for (int k = 0; k < 2; k++) objects.put("slice/" + s + "/" + k, slice(r, s, k));
        }
        ServiceTranslator translator = new ServiceTranslator("node-a");
        IncrementalTranslator incremental = new IncrementalTranslator(translator);
        Map<Frontend, LbEntry> applied = new TreeMap<>();
        int changedSteps = 0, backendsSeen = 0;
        ClusterState previous = null;
        for (int step = 0; step < 150; step++) {
            ClusterState state = decode(objects);
            if (carryOver && previous != null) state = carryOver(previous, state);
            previous = state;
            incremental.load(state);
            LbDiff diff = incremental.sync();
            diff.removed().forEach(applied::remove);
            diff.added().forEach(e -> applied.put(e.frontend(), e));
            diff.changed().forEach(c -> applied.put(c.after().frontend(), c.after()));
            String full = lines(translator.translate(state).entries());
            assertEquals(full, lines(applied), "seed " + seed + ", after step " + step);
            assertEquals(full, lines(incremental.table().entries()), "seed " + seed + ", the table after step " + step);
            if (!diff.isEmpty()) changedSteps++;
            backendsSeen += applied.values().stream().mapToInt(e -> e.backends().size()).sum();
            mutate(r, objects);
        }
        // not vacuous: most changes change the table, and frontends have backends
        assertTrue(changedSteps > 30, "steps that changed the table: " + changedSteps);
        assertTrue(backendsSeen > 300, "backends over all steps: " + backendsSeen);
    }

    private static void mutate(Random r, Map<String, JsonObject> objects) {
        int s = r.nextInt(6);
        switch (r.nextInt(6)) {
            case 0 -> objects.put("svc/" + s, service(r, s));
            case 1 -> objects.remove("svc/" + s);
            case 2 -> objects.remove("slice/" + s + "/" + r.nextInt(2));
            case 3 -> {
                int n = r.nextInt(NODES.length);
                if (r.nextBoolean()) objects.put("node/" + n, node(r, n));
                else objects.remove("node/" + n);
            }
            default -> {
                int k = r.nextInt(2);
                objects.put("slice/" + s + "/" + k, slice(r, s, k));
            }
        }
    }

    private static JsonObject node(Random r, int n) {
        JsonObject labels = new JsonObject();
        if (r.nextInt(4) > 0) labels.addProperty("topology.kubernetes.io/zone", "zone-" + (char) ('a' + r.nextInt(2)));
        JsonObject address = new JsonObject();
        address.addProperty("type", "InternalIP");
        address.addProperty("address", "192.168.10." + (11 + n));
        JsonObject status = new JsonObject();
        status.add("addresses", array(address));
        return object("v1", "Node", meta(NODES[n], null, labels), "status", status);
    }

    private static JsonObject service(Random r, int s) {
        JsonObject labels = new JsonObject();
        switch (r.nextInt(6)) {
            case 0 -> labels.addProperty("service.kubernetes.io/headless", "");
            case 1 -> labels.addProperty("service.kubernetes.io/service-proxy-name", r.nextBoolean() ? "kpf" : "other");
            default -> { }
        }
        String type = new String[] {"ClusterIP", "NodePort", "LoadBalancer"}[r.nextInt(3)];
        JsonObject spec = new JsonObject();
        spec.addProperty("type", type);
        spec.addProperty("clusterIP", r.nextInt(4) == 0 ? "010.096.009.0" + (10 + s) : "10.96.9." + (10 + s));
        JsonObject port = new JsonObject();
        port.addProperty("name", "http");
        port.addProperty("port", 80);
        if (!type.equals("ClusterIP")) port.addProperty("nodePort", 30100 + s);
        spec.add("ports", array(port));
        if (r.nextInt(3) == 0) spec.addProperty("externalTrafficPolicy", "Local");
        if (r.nextInt(4) == 0) spec.addProperty("internalTrafficPolicy", "Local");
        if (r.nextInt(3) == 0) spec.add("loadBalancerSourceRanges", strings(r.nextBoolean() ? "192.0.2.0/24" : "010.000.000.000/8", "bogus"));
        JsonObject o = object("v1", "Service", meta("svc-" + s, null, labels), "spec", spec);
        if (r.nextBoolean()) {
            JsonArray ingress = new JsonArray();
            JsonObject ing = new JsonObject();
            ing.addProperty("ip", "203.0.113." + (10 + s));
            String mode = new String[] {null, "VIP", "Proxy"}[r.nextInt(3)];
            if (mode != null) ing.addProperty("ipMode", mode);
            ingress.add(ing);
            JsonObject lb = new JsonObject();
            lb.add("ingress", ingress);
            JsonObject status = new JsonObject();
            status.add("loadBalancer", lb);
            o.add("status", status);
        }
        return o;
    }

    private static JsonObject slice(Random r, int s, int k) {
        JsonObject labels = new JsonObject();
        labels.addProperty("kubernetes.io/service-name", "svc-" + s);
        switch (r.nextInt(8)) {
            case 0 -> labels.addProperty("service.kubernetes.io/headless", "");
            case 1 -> labels.addProperty("service.kubernetes.io/service-proxy-name", r.nextBoolean() ? "kpf" : "other");
            default -> { }
        }
        JsonArray endpoints = new JsonArray();
        int count = r.nextInt(5);
        for (int e = 0; e < count; e++) {
            JsonObject ep = new JsonObject();
            // a small pool of addresses: the two slices of a service often list the same endpoint
            String ip = "10.244." + s + "." + (1 + r.nextInt(4));
            ep.add("addresses", r.nextInt(5) == 0 ? strings(ip, "10.244.99.99") : r.nextInt(8) == 0 ? strings("010.244.0" + s + ".009") : strings(ip));
            JsonObject conditions = new JsonObject();
            for (String c : new String[] {"ready", "serving", "terminating"}) if (r.nextInt(3) > 0) conditions.addProperty(c, r.nextBoolean());
            if (r.nextBoolean()) ep.add("conditions", conditions);
            ep.addProperty("nodeName", NODES[r.nextInt(NODES.length)]);
            JsonObject hints = new JsonObject();
            if (r.nextInt(3) > 0) hints.add("forZones", names("zone-" + (char) ('a' + r.nextInt(2))));
            if (r.nextInt(3) > 0) hints.add("forNodes", names(NODES[r.nextInt(NODES.length)]));
            if (hints.size() > 0) ep.add("hints", hints);
            endpoints.add(ep);
        }
        JsonObject port = new JsonObject();
        port.addProperty("name", "http");
        port.addProperty("port", 8080);
        JsonObject o = object("discovery.k8s.io/v1", "EndpointSlice", meta("svc-" + s + "-" + k, "app", labels), "addressType", "IPv4");
        o.add("ports", array(port));
        o.add("endpoints", endpoints);
        return o;
    }

    private static ClusterState decode(Map<String, JsonObject> objects) {
        List<SourceDocument> docs = new ArrayList<>();
        objects.forEach((key, o) -> docs.add(new SourceDocument(o, key)));
        return DirectoryLoader.decode(docs, new ArrayList<>());
    }

    /** {@code next} with every object equal to one of {@code previous} replaced by that instance, and equal maps by the map. */
    private static ClusterState carryOver(ClusterState previous, ClusterState next) {
        return new ClusterState(carryOver(previous.services(), next.services()), carryOver(previous.slices(), next.slices()),
                carryOver(previous.nodes(), next.nodes()), next.problems());
    }

    private static <K, V> Map<K, V> carryOver(Map<K, V> previous, Map<K, V> next) {
        if (previous.equals(next)) return previous;
        Map<K, V> out = new java.util.HashMap<>();
        next.forEach((k, v) -> out.put(k, v.equals(previous.get(k)) ? previous.get(k) : v));
        return out;
    }

    private static String lines(Map<Frontend, LbEntry> entries) {
        return String.join("\n", entries.values().stream().map(LbEntry::line).toList());
    }

    private static JsonObject meta(String name, String namespace, JsonObject labels) {
        JsonObject m = new JsonObject();
        m.addProperty("name", name);
        if (namespace != null) m.addProperty("namespace", namespace);
        m.add("labels", labels);
        return m;
    }

    private static JsonObject object(String apiVersion, String kind, JsonObject metadata, String key, Object value) {
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", apiVersion);
        o.addProperty("kind", kind);
        if (kind.equals("Service")) metadata.addProperty("namespace", "app");
        o.add("metadata", metadata);
        if (value instanceof JsonObject j) o.add(key, j);
        else o.addProperty(key, (String) value);
        return o;
    }

    private static JsonArray array(JsonObject... items) {
        JsonArray a = new JsonArray();
        for (JsonObject i : items) a.add(i);
        return a;
    }

    private static JsonArray strings(String... items) {
        JsonArray a = new JsonArray();
        for (String i : items) a.add(i);
        return a;
    }

    private static JsonArray names(String... names) {
        JsonArray a = new JsonArray();
        for (String n : names) {
            JsonObject o = new JsonObject();
            o.addProperty("name", n);
            a.add(o);
        }
        return a;
    }
}
