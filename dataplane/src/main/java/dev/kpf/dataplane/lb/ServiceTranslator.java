package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Service;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * ClusterState in, LbTable out, with kube-proxy's semantics and no I/O. For each service port and IP family:
 * <ul>
 * <li>backends come from the service's EndpointSlices of that family, the slice port named like the service port
 *     giving the (resolved) target port; endpoints in several slices count once;</li>
 * <li>ready endpoints are used; serving-and-terminating ones only when no ready one exists;</li>
 * <li>internalTrafficPolicy: Local restricts ClusterIPs to node-local endpoints; externalTrafficPolicy: Local
 *     restricts NodePorts, ExternalIPs and LoadBalancer IPs to node-local endpoints for outside traffic, while
 *     traffic from the node itself keeps all endpoints (an {@link Scope#INTERNAL} entry);</li>
 * <li>topology hints narrow cluster-wide endpoints (kube-proxy's topologyModeFromHints, pkg/proxy/topology.go):
 *     to those hinted for this node when every ready endpoint carries a node hint and one names this node
 *     (trafficDistribution PreferSameNode), else to those hinted for this node's zone when every ready endpoint
 *     carries a zone hint and one names the zone; the hints alone decide, whatever the Service asks (1.33+);</li>
 * <li>headless and ExternalName services, and services labelled for another proxy
 *     ({@code service.kubernetes.io/service-proxy-name}) or {@code service.kubernetes.io/headless} (which kube-proxy's
 *     informers never list), are skipped;</li>
 * <li>load balancer IPs are the Service's status ingress IPs in VIP mode, whatever its type, as kube-proxy.</li>
 * </ul>
 */
public final class ServiceTranslator {
    public static final String PROXY_NAME_LABEL = Service.PROXY_NAME_LABEL;
    /** Services carrying the proxy-name label with this value are kpf's. */
    public static final String PROXY_NAME = Service.KPF_PROXY_NAME;

    private final String nodeName;

    /** @param nodeName this node: decides which endpoints are local and which zone applies */
    public ServiceTranslator(String nodeName) {
        this.nodeName = nodeName == null ? "" : nodeName;
    }

    public String nodeName() {
        return nodeName;
    }

    /** The whole table for a state (an {@link IncrementalTranslator} loaded with everything, synced once). */
    public LbTable translate(ClusterState state) {
        IncrementalTranslator t = new IncrementalTranslator(this);
        t.load(state);
        return t.syncWithoutDiff();
    }

    /**
     * The entries of one service, given its slices (sorted by name) and this node; problems found are added to
     * {@code problems}. Entries are in the order they were produced; the caller resolves frontend conflicts.
     */
    List<LbEntry> translateService(Service svc, List<EndpointSlice> slices, Optional<Node> node, List<Problem> problems) {
        List<LbEntry> out = new ArrayList<>();
        translateService(svc, slices, node, out, problems);
        return out;
    }

    private void translateService(Service svc, List<EndpointSlice> slices, Optional<Node> node, List<LbEntry> out,
                                  List<Problem> problems) {
        String owner = svc.labels().get(PROXY_NAME_LABEL);
        if (owner != null && !owner.equals(PROXY_NAME)) return;
        if (svc.labels().containsKey(Service.HEADLESS_LABEL)) return;
        if (svc.type() == Service.Type.EXTERNAL_NAME || svc.headless()) return;

        Set<IpFamily> families = new LinkedHashSet<>();
        svc.clusterIps().forEach(ip -> families.add(IpFamily.of(ip)));
        String zone = node.map(Node::zone).orElse("");

        for (Service.Port port : svc.ports()) {
            for (IpFamily family : families) {
                List<Candidate> candidates = candidates(svc, port, family, slices);
                List<Backend> cluster = clusterBackends(candidates, zone);
                // node-local backends matter only to a Local traffic policy
                List<Backend> local = svc.internalPolicyLocal() || svc.externalPolicyLocal() ? localBackends(candidates) : List.of();
                LbEntryFactory make = new LbEntryFactory(svc, port);

                for (InetAddress ip : svc.clusterIps()) {
                    if (IpFamily.of(ip) != family) continue;
                    put(out, make.entry(ip, port.port(), Scope.EXTERNAL, FrontendType.CLUSTER_IP,
                            svc.internalPolicyLocal() ? local : cluster, List.of()));
                }
                List<Map.Entry<InetAddress, FrontendType>> external = new ArrayList<>();
                if (svc.hasNodePorts() && port.nodePort() > 0) {
                    for (InetAddress ip : nodeAddresses(node, family)) external.add(Map.entry(ip, FrontendType.NODE_PORT));
                }
                for (InetAddress ip : svc.externalIps()) {
                    if (IpFamily.of(ip) == family) external.add(Map.entry(ip, FrontendType.EXTERNAL_IP));
                }
                for (InetAddress ip : svc.loadBalancerIps()) {
                    if (IpFamily.of(ip) == family) external.add(Map.entry(ip, FrontendType.LOAD_BALANCER));
                }
                for (Map.Entry<InetAddress, FrontendType> e : external) {
                    int p = e.getValue() == FrontendType.NODE_PORT ? port.nodePort() : port.port();
                    List<dev.kpf.dataplane.model.Cidr> ranges = e.getValue() == FrontendType.LOAD_BALANCER
                            ? svc.sourceRanges().stream().filter(c -> c.family() == family).toList() : List.of();
                    if (svc.externalPolicyLocal()) {
                        put(out, make.entry(e.getKey(), p, Scope.EXTERNAL, e.getValue(), local, ranges));
                        put(out, make.entry(e.getKey(), p, Scope.INTERNAL, e.getValue(), cluster, ranges));
                    } else {
                        put(out, make.entry(e.getKey(), p, Scope.EXTERNAL, e.getValue(), cluster, ranges));
                    }
                }
            }
        }
        for (InetAddress ip : svc.externalIps()) {
            if (!families.contains(IpFamily.of(ip))) {
                problems.add(new Problem(svc.ref().toString(), "", "externalIP " + IpAddresses.format(ip) + " is "
                        + IpFamily.of(ip) + " but the service has no " + IpFamily.of(ip) + " cluster IP: ignored (as kube-proxy does)"));
            }
        }
    }

    private static void put(List<LbEntry> out, LbEntry entry) {
        for (LbEntry e : out) if (e.frontend().equals(entry.frontend())) return; // one service listing a frontend twice
        out.add(entry);
    }

    /** This node's addresses of the family; without a Node object, the family's any-address stands for all of them. */
    private static List<InetAddress> nodeAddresses(Optional<Node> node, IpFamily family) {
        if (node.isPresent()) {
            List<InetAddress> ips = new ArrayList<>();
            for (InetAddress a : node.get().addresses()) if (IpFamily.of(a) == family) ips.add(a);
            if (!ips.isEmpty()) return ips;
        }
        return List.of(IpAddresses.parse(family == IpFamily.IPv4 ? "0.0.0.0" : "::").orElseThrow());
    }

    /** Which endpoints are the same: address and target port. */
    private record AddressPort(IpAddress address, int port) {
        // written out: a record's generated methods run as method handles until the JIT compiles them (a cold first sync)
        @Override
        public boolean equals(Object o) {
            return o instanceof AddressPort a && a.port == port && a.address.equals(address);
        }

        @Override
        public int hashCode() {
            return address.hashCode() * 31 + port;
        }
    }

    /** An endpoint of one service port in one family, before selection. */
    private record Candidate(Backend backend, boolean ready, boolean serving, boolean terminating, Set<String> zoneHints, Set<String> nodeHints) {}

    private List<Candidate> candidates(Service svc, Service.Port port, IpFamily family, List<EndpointSlice> slices) {
        Map<AddressPort, Candidate> byAddress = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            if (slice.family() != family) continue;
            EndpointSlice.Port sp = null;
            for (EndpointSlice.Port p : slice.ports()) {
                if (p.name().equals(port.name()) && p.protocol() == port.protocol()) {
                    sp = p;
                    break;
                }
            }
            if (sp == null) continue;
            for (EndpointSlice.Endpoint ep : slice.endpoints()) {
                IpAddress ip = ep.ip();
                boolean local = !nodeName.isEmpty() && nodeName.equals(ep.nodeName());
                Backend.State state = ep.ready() ? Backend.State.READY : Backend.State.TERMINATING;
                Backend b = new Backend(ep, sp.port(), port.protocol(), state, local);
                Candidate c = new Candidate(b, ep.ready(), ep.serving(), ep.terminating(), ep.hintZones(), ep.hintNodes());
                AddressPort key = new AddressPort(ip, sp.port());
                // an endpoint listed by two slices (while slices are rebalanced, or a new pod on a terminating pod's
                // IP) counts once; as kube-proxy (endpointslicecache.go) the copy that is not terminating wins
                if (!c.terminating() || !byAddress.containsKey(key)) byAddress.put(key, c);
            }
        }
        return new ArrayList<>(byAddress.values());
    }

    // loops, not streams, in the steps run per service port: a stream pipeline per port cost a JIT-cold first sync
    // of 10,000 Services about 8 % of its translation

    private List<Backend> clusterBackends(List<Candidate> all, String zone) {
        Topology topology = topology(all, zone);
        List<Backend> ready = new ArrayList<>(all.size());
        for (Candidate c : all) {
            boolean hinted = switch (topology) {
                case NODE -> c.nodeHints().contains(nodeName);
                case ZONE -> c.zoneHints().contains(zone);
                case NONE -> true;
            };
            if (c.ready() && hinted) ready.add(c.backend());
        }
        return ready.isEmpty() ? terminating(all, false) : sorted(ready);
    }

    private static List<Backend> localBackends(List<Candidate> all) {
        List<Backend> ready = new ArrayList<>();
        for (Candidate c : all) if (c.backend().local() && c.ready()) ready.add(c.backend());
        return ready.isEmpty() ? terminating(all, true) : sorted(ready);
    }

    /** The serving, terminating backends (only the node-local ones when {@code localOnly}), in order. */
    private static List<Backend> terminating(List<Candidate> all, boolean localOnly) {
        List<Backend> out = new ArrayList<>();
        for (Candidate c : all) if (c.serving() && c.terminating() && (!localOnly || c.backend().local())) out.add(c.backend());
        return sorted(out);
    }

    private static List<Backend> sorted(List<Backend> backends) {
        backends.sort(null);
        return backends;
    }

    /** Which hints narrow the cluster-wide endpoints: kube-proxy's topology modes. */
    private enum Topology { NONE, NODE, ZONE }

    /**
     * kube-proxy's topologyModeFromHints: over the ready endpoints, node hints when all have one and one names this
     * node, else zone hints when all have one and one names this node's zone, else none.
     */
    private Topology topology(List<Candidate> all, String zone) {
        boolean anyReady = false, allNode = true, forNode = false, allZone = true, forZone = false;
        for (Candidate c : all) {
            if (!c.ready()) continue;
            anyReady = true;
            if (c.nodeHints().isEmpty()) allNode = false;
            else if (!nodeName.isEmpty() && c.nodeHints().contains(nodeName)) forNode = true;
            if (c.zoneHints().isEmpty()) allZone = false;
            else if (!zone.isEmpty() && c.zoneHints().contains(zone)) forZone = true;
        }
        if (!anyReady) return Topology.NONE;
        if (allNode && forNode) return Topology.NODE;
        return allZone && forZone ? Topology.ZONE : Topology.NONE;
    }

    /** Builds the entries of one service port. */
    private record LbEntryFactory(Service svc, Service.Port port) {
        LbEntry entry(InetAddress ip, int p, Scope scope, FrontendType type, List<Backend> backends,
                      List<dev.kpf.dataplane.model.Cidr> ranges) {
            int affinity = svc.clientIpAffinity() ? svc.affinityTimeoutSeconds() : 0;
            boolean externalType = type != FrontendType.CLUSTER_IP;
            int hc = externalType && svc.externalPolicyLocal() ? svc.healthCheckNodePort() : 0;
            return new LbEntry(new Frontend(ip, p, port.protocol(), scope), type, svc.ref(), port.name(), backends, affinity,
                    ranges, externalType && svc.externalPolicyLocal(), !externalType && svc.internalPolicyLocal(), hc);
        }
    }
}
