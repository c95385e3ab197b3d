package dev.kpf.testdata.churn;

import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.dataplane.model.Service;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cluster under seeded random churn, as a node sees it: 30 to 40 Services whose endpoints come from one shared pool
 * of pods (so backends are shared between Services and ids are freed and taken in the same sync), each step one of
 * the changes real clusters make: add or remove a Service, scale it, replace a pod, change a port, toggle ClientIP
 * affinity or externalTrafficPolicy, change source ranges or type, move a pod to another node, a pod terminating.
 * IPv4, IPv6 and dual-stack Services. The same seed gives the same sequence.
 */
public final class ChurnCluster {
    /** The node the table is translated for; pods on it are local. */
    public static final String NODE = "node-a";
    public static final int POOL = 40;

    /** One Service port: name, protocol, port, target port, node port. */
    record PortSpec(String name, Protocol protocol, int port, int target, int nodePort) {}

    /** One Service as the generator changes it. */
    static final class Spec {
        final String name;
        final int index;
        String families;
        Service.Type type = Service.Type.CLUSTER_IP;
        final List<PortSpec> ports = new ArrayList<>();
        boolean affinity, externalLocal, externalIp;
        final List<String> sourceRanges = new ArrayList<>();
        final Set<Integer> pods = new TreeSet<>();

        Spec(String name, int index, String families) {
            this.name = name;
            this.index = index;
            this.families = families;
        }
    }

    /** A pod of the pool: its node and whether it is terminating. */
    static final class Pod {
        String node;
        boolean terminating;
        int generation;
    }

    private final Random random;
    private final Map<String, Spec> services = new LinkedHashMap<>();
    private final Pod[] pods = new Pod[POOL];
    private final boolean ipv6;
    private int nextService;
    private int nextNodePort = 30000;
    private long steps;

    /** @param ipv6 whether Services may be IPv6 or dual-stack (the pod pool has both families) */
    public ChurnCluster(long seed, boolean ipv6) {
        this.random = new Random(seed);
        this.ipv6 = ipv6;
        for (int i = 0; i < POOL; i++) {
            pods[i] = new Pod();
            pods[i].node = random.nextInt(3) == 0 ? NODE : "node-b";
        }
        int n = 30 + random.nextInt(11);
        for (int i = 0; i < n; i++) addService();
    }

    public int services() {
        return services.size();
    }

    public long steps() {
        return steps;
    }

    /** Makes one random change; returns what it did. */
    public String step() {
        steps++;
        List<Spec> all = new ArrayList<>(services.values());
        Spec s = all.isEmpty() ? null : all.get(random.nextInt(all.size()));
        int op = random.nextInt(s == null ? 1 : 14);
        switch (op) {
            case 0 -> {
                return "add " + addService().name;
            }
            case 1 -> {
                if (services.size() <= 30) return "add " + addService().name;
                services.remove(s.name);
                return "remove " + s.name;
            }
            case 2, 3 -> {
                s.pods.add(random.nextInt(POOL));
                return "scale up " + s.name;
            }
            case 4 -> {
                if (!s.pods.isEmpty()) s.pods.remove(List.copyOf(s.pods).get(random.nextInt(s.pods.size())));
                return "scale down " + s.name;
            }
            case 5, 6 -> {
                // a pod is replaced: the old one leaves, a new one (another pool address) takes its place
                if (!s.pods.isEmpty()) s.pods.remove(List.copyOf(s.pods).get(random.nextInt(s.pods.size())));
                s.pods.add(random.nextInt(POOL));
                return "replace pod of " + s.name;
            }
            case 7 -> {
                PortSpec p = s.ports.get(random.nextInt(s.ports.size()));
                int i = s.ports.indexOf(p);
                s.ports.set(i, random.nextBoolean() ? new PortSpec(p.name(), p.protocol(), p.port() + 1, p.target(), p.nodePort())
                        : new PortSpec(p.name(), p.protocol(), p.port(), p.target() == 8080 ? 8081 : 8080, p.nodePort()));
                return "change port of " + s.name;
            }
            case 8 -> {
                s.affinity = !s.affinity;
                return "affinity " + s.affinity + " on " + s.name;
            }
            case 9 -> {
                s.externalLocal = !s.externalLocal;
                return "externalTrafficPolicy Local " + s.externalLocal + " on " + s.name;
            }
            case 10 -> {
                s.sourceRanges.clear();
                int n = random.nextInt(3);
                for (int i = 0; i < n; i++) s.sourceRanges.add("198.51." + random.nextInt(4) + ".0/24");
                if (n > 0 && random.nextBoolean()) s.sourceRanges.add("2001:db8:" + random.nextInt(4) + "::/48");
                return "source ranges " + s.sourceRanges + " on " + s.name;
            }
            case 11 -> {
                Service.Type[] types = {Service.Type.CLUSTER_IP, Service.Type.NODE_PORT, Service.Type.LOAD_BALANCER};
                s.type = types[random.nextInt(types.length)];
                s.externalIp = random.nextInt(4) == 0;
                return "type " + s.type + " on " + s.name;
            }
            case 12 -> {
                Pod p = pods[random.nextInt(POOL)];
                p.node = NODE.equals(p.node) ? "node-b" : NODE;
                return "pod moved to " + p.node;
            }
            default -> {
                Pod p = pods[random.nextInt(POOL)];
                p.terminating = !p.terminating;
                return "pod terminating " + p.terminating;
            }
        }
    }

    private Spec addService() {
        int index = ++nextService;
        String families = !ipv6 ? "4" : switch (random.nextInt(4)) {
            case 0 -> "6";
            case 1 -> "46";
            default -> "4";
        };
        Spec s = new Spec("svc-" + index, index, families);
        int ports = 1 + random.nextInt(2);
        for (int i = 0; i < ports; i++) {
            Protocol proto = random.nextInt(3) == 0 ? Protocol.UDP : Protocol.TCP;
            s.ports.add(new PortSpec("p" + i, proto, 80 + i, random.nextBoolean() ? 8080 : 8081, nextNodePort++));
        }
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) s.pods.add(random.nextInt(POOL));
        s.affinity = random.nextInt(4) == 0;
        int type = random.nextInt(4);
        s.type = type == 0 ? Service.Type.NODE_PORT : type == 1 ? Service.Type.LOAD_BALANCER : Service.Type.CLUSTER_IP;
        services.put(s.name, s);
        return s;
    }

    /** The Service's ClusterIP of a family: 10.96.x.y or fd00:96::x:y (from its index, so a re-added Service gets a new one). */
    static InetAddress clusterIp(Spec s, IpFamily family) {
        return family == IpFamily.IPv4 ? ip("10.96." + (s.index / 250) + "." + (1 + s.index % 250))
                : ip("fd00:96::" + Integer.toHexString(s.index / 250) + ":" + Integer.toHexString(1 + s.index % 250));
    }

    static InetAddress loadBalancerIp(Spec s, IpFamily family) {
        return family == IpFamily.IPv4 ? ip("10.97." + (s.index / 250) + "." + (1 + s.index % 250))
                : ip("fd00:97::" + Integer.toHexString(s.index / 250) + ":" + Integer.toHexString(1 + s.index % 250));
    }

    /** Pod {@code i}'s address: 10.244.0.(i+1) or fd00:244::(i+1). */
    public static InetAddress podIp(int i, IpFamily family) {
        return family == IpFamily.IPv4 ? ip("10.244.0." + (i + 1)) : ip("fd00:244::" + Integer.toHexString(i + 1));
    }

    /** This node's address (NodePorts are served on it). */
    public static final InetAddress NODE_IP = ip("10.200.0.1"), NODE_IP6 = ip("fd00:200::1");

    /** The cluster as it is now. */
    public ClusterState state() {
        List<Service> out = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        for (Spec s : services.values()) {
            List<IpFamily> families = new ArrayList<>();
            if (s.families.contains("4")) families.add(IpFamily.IPv4);
            if (s.families.contains("6")) families.add(IpFamily.IPv6);
            List<InetAddress> clusterIps = families.stream().map(f -> clusterIp(s, f)).toList();
            List<Service.Port> ports = s.ports.stream().map(p -> new Service.Port(p.name(), p.protocol(), p.port(),
                    s.type == Service.Type.CLUSTER_IP ? 0 : p.nodePort())).toList();
            List<InetAddress> lb = s.type == Service.Type.LOAD_BALANCER ? families.stream().map(f -> loadBalancerIp(s, f)).toList() : List.of();
            List<InetAddress> external = s.externalIp ? List.of(ip("10.98." + (s.index / 250) + "." + (1 + s.index % 250))) : List.of();
            List<Cidr> ranges = s.type == Service.Type.LOAD_BALANCER ? s.sourceRanges.stream().map(r -> Cidr.parse(r).orElseThrow()).toList() : List.of();
            boolean local = s.externalLocal && s.type != Service.Type.CLUSTER_IP;
            out.add(new Service("churn", s.name, s.type, clusterIps, ports, external, lb, ranges, s.affinity,
                    s.affinity ? Service.DEFAULT_AFFINITY_TIMEOUT : 0, local, false, local ? 32000 + s.index : 0, Map.of()));
            for (IpFamily f : families) {
                List<EndpointSlice.Endpoint> endpoints = new ArrayList<>();
                for (int i : s.pods) {
                    Pod p = pods[i];
                    endpoints.add(new EndpointSlice.Endpoint(podIp(i, f), !p.terminating, true, p.terminating, p.node, "",
                            Set.of(), Set.of(), "pod-" + i));
                }
                List<EndpointSlice.Port> slicePorts = s.ports.stream().map(p -> new EndpointSlice.Port(p.name(), p.protocol(), p.target())).toList();
                slices.add(new EndpointSlice("churn", s.name + "-" + f.name().toLowerCase(java.util.Locale.ROOT), s.name, f, slicePorts, endpoints));
            }
        }
        return ClusterState.of(out, slices, List.of(new Node(NODE, "", List.of(NODE_IP, NODE_IP6)), new Node("node-b", "", List.of(ip("10.200.0.2"), ip("fd00:200::2")))), List.of());
    }

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
