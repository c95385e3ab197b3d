package dev.kpf.testdata.scale;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated cluster for benchmarks and comparisons: N ClusterIP services (every tenth a NodePort) with M endpoints
 * each spread over three nodes, a given fraction dual-stack, and a seeded stream of endpoint changes.
 * Addresses: services from 10.96.0.0/12 and fd00:96::/108, pods from 10.128.0.0/9 and fd00:244::/64.
 */
public final class ScaleCluster {
    public static final List<String> NODES = List.of("node-a", "node-b", "node-c");

    private final int services;
    private final int endpoints;
    private final double dualStack;
    /** Names for the endpoints' targetRefs (a Deployment's pods), or null for endpoints without one. */
    private final Random podNameDraws;
    private final List<JsonObject> objects = new ArrayList<>();
    private final List<JsonObject> slices = new ArrayList<>();

    private ScaleCluster(int services, int endpoints, double dualStack, long seed, boolean podRefs) {
        if (services < 1 || services > 1_000_000 || endpoints < 0 || endpoints > 1000) {
            throw new IllegalArgumentException("services 1..1000000, endpoints 0..1000");
        }
        this.services = services;
        this.endpoints = endpoints;
        this.dualStack = dualStack;
        // a generator of its own, so that the cluster is the same with and without pod names
        this.podNameDraws = podRefs ? new Random(seed ^ 0x706f64L) : null;
        generate(new Random(seed));
    }

    public static ScaleCluster generate(int services, int endpointsPerService, double dualStackFraction, long seed) {
        return new ScaleCluster(services, endpointsPerService, dualStackFraction, seed, false);
    }

    /**
     * The same cluster with every endpoint's targetRef naming its pod, as the EndpointSlice controller writes it for
     * a Deployment's pods ({@code svc-7-5d8b9c7f4b-x2k4p}): what an agent keeps per endpoint on a real node.
     */
    public static ScaleCluster withPodRefs(int services, int endpointsPerService, double dualStackFraction, long seed) {
        return new ScaleCluster(services, endpointsPerService, dualStackFraction, seed, true);
    }

    /** Nodes, services and (current) slices as JSON trees (apiVersion, kind, metadata set), in that order. */
    public List<JsonObject> objects() {
        List<JsonObject> all = new ArrayList<>(objects);
        all.addAll(slices);
        return all;
    }

    static String v4(int base, int index) {
        int a = base + (index >>> 16), b = (index >>> 8) & 0xff, c = index & 0xff;
        return (a >>> 8 == 0 ? "10." + a : "10." + (a & 0xff)) + "." + b + "." + c;
    }

    private void generate(Random random) {
        for (int n = 0; n < NODES.size(); n++) {
            JsonObject meta = new JsonObject();
            meta.addProperty("name", NODES.get(n));
            JsonObject labels = new JsonObject();
            labels.addProperty("topology.kubernetes.io/zone", "zone-" + (char) ('a' + n));
            meta.add("labels", labels);
            JsonArray addresses = new JsonArray();
            addresses.add(address("InternalIP", "192.168.10." + (11 + n)));
            addresses.add(address("InternalIP", "fd00:10::" + (11 + n)));
            JsonObject status = new JsonObject();
            status.add("addresses", addresses);
            objects.add(object("v1", "Node", meta, "status", status));
        }
        int pod = 0;
        for (int i = 0; i < services; i++) {
            String ns = "ns-" + (i % 50);
            String name = "svc-" + i;
            boolean dual = random.nextDouble() < dualStack;
            String ip = v4(96, i + 1);
            JsonObject spec = new JsonObject();
            boolean nodePort = i % 10 == 0;
            spec.addProperty("type", nodePort ? "NodePort" : "ClusterIP");
            JsonArray ips = new JsonArray();
            ips.add(ip);
            if (dual) ips.add("fd00:96::" + Integer.toHexString(i + 1));
            spec.addProperty("clusterIP", ip);
            spec.add("clusterIPs", ips);
            spec.add("ports", httpPorts(80, nodePort ? 30000 + (i / 10) % 2768 : 0));
            objects.add(object("v1", "Service", meta(ns, name), "spec", spec));
            List<String> v4 = new ArrayList<>(), v6 = new ArrayList<>();
            for (int e = 0; e < endpoints; e++, pod++) {
                v4.add(v4(128, pod));
                if (dual) v6.add("fd00:244::" + Integer.toHexString(pod >>> 16) + ":" + Integer.toHexString(pod & 0xffff));
            }
            List<String> pods = podNameDraws == null ? null : podNames(name, endpoints);
            slices.add(slice(ns, name, name + "-v4", "IPv4", v4, pods));
            if (dual) slices.add(slice(ns, name, name + "-v6", "IPv6", v6, pods));
        }
    }

    private static JsonObject address(String type, String ip) {
        JsonObject a = new JsonObject();
        a.addProperty("type", type);
        a.addProperty("address", ip);
        return a;
    }

    private static JsonObject meta(String ns, String name) {
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        meta.addProperty("namespace", ns);
        return meta;
    }

    /** A one-element port list named http over TCP; {@code nodePort} 0 leaves the node port out. */
    private static JsonArray httpPorts(int port, int nodePort) {
        JsonObject p = new JsonObject();
        p.addProperty("name", "http");
        p.addProperty("port", port);
        p.addProperty("protocol", "TCP");
        if (nodePort != 0) p.addProperty("nodePort", nodePort);
        JsonArray ports = new JsonArray();
        ports.add(p);
        return ports;
    }

    private static JsonObject object(String apiVersion, String kind, JsonObject meta, String key, JsonObject value) {
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", apiVersion);
        o.addProperty("kind", kind);
        o.add("metadata", meta);
        o.add(key, value);
        return o;
    }

    /** Kubernetes' alphabet for generated name suffixes (no vowels, no look-alikes). */
    private static final String SUFFIX = "bcdfghjklmnpqrstvwxz2456789";

    /**
     * A Deployment's pod names: the service's name, a ReplicaSet hash of 10 and a pod suffix of 5 characters, drawn
     * again when a suffix repeats (as the API server does; 27^5 suffixes, so a few draws at most).
     */
    private List<String> podNames(String service, int count) {
        String replicaSet = service + "-" + suffix(10) + "-";
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (int draws = 0; names.size() < count; draws++) {
            if (draws > 2 * count + 100) throw new IllegalStateException("no unique pod names for " + service);
            names.add(replicaSet + suffix(5));
        }
        return List.copyOf(names);
    }

    private String suffix(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) b.append(SUFFIX.charAt(podNameDraws.nextInt(SUFFIX.length())));
        return b.toString();
    }

    /** A slice of {@code ips}; {@code pods} (same order, or null) become the endpoints' targetRefs. */
    private static JsonObject slice(String ns, String service, String name, String family, List<String> ips, List<String> pods) {
        JsonObject meta = meta(ns, name);
        JsonObject labels = new JsonObject();
        labels.addProperty("kubernetes.io/service-name", service);
        meta.add("labels", labels);
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", "discovery.k8s.io/v1");
        o.addProperty("kind", "EndpointSlice");
        o.add("metadata", meta);
        o.addProperty("addressType", family);
        o.add("ports", httpPorts(8080, 0));
        JsonArray eps = new JsonArray();
        for (int i = 0; i < ips.size(); i++) {
            JsonObject e = new JsonObject();
            JsonArray a = new JsonArray();
            a.add(ips.get(i));
            e.add("addresses", a);
            JsonObject c = new JsonObject();
            c.addProperty("ready", true);
            e.add("conditions", c);
            e.addProperty("nodeName", NODES.get(i % NODES.size()));
            if (pods != null) {
                JsonObject ref = new JsonObject();
                ref.addProperty("kind", "Pod");
                ref.addProperty("namespace", ns);
                ref.addProperty("name", pods.get(i));
                e.add("targetRef", ref);
            }
            eps.add(e);
        }
        o.add("endpoints", eps);
        return o;
    }

    /** A seeded stream of endpoint changes: each call flips one endpoint of one slice between ready and not. */
    public Churn churn(long seed) {
        return new Churn(new Random(seed));
    }

    public final class Churn {
        private final Random random;

        private Churn(Random random) {
            this.random = random;
        }

        /** The changed slice (a new object; the cluster's copy is updated too). */
        public JsonObject next() {
            int index = random.nextInt(slices.size());
            JsonObject slice = slices.get(index).deepCopy();
            JsonArray eps = slice.getAsJsonArray("endpoints");
            if (eps.isEmpty()) return slice;
            JsonObject c = eps.get(random.nextInt(eps.size())).getAsJsonObject().getAsJsonObject("conditions");
            c.add("ready", new JsonPrimitive(!c.get("ready").getAsBoolean()));
            slices.set(index, slice);
            return slice;
        }
    }
}
