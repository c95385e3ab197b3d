package dev.kpf.dataplane.model;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A discovery.k8s.io/v1 EndpointSlice: the service it belongs to, its family, ports and endpoints, and when the
 * change it carries was triggered (annotation {@code endpoints.kubernetes.io/last-change-trigger-time}, set by the
 * EndpointSlice controller), where network programming latency starts.
 */
public record EndpointSlice(String namespace, String name, String serviceName, IpFamily family, List<Port> ports,
                            List<Endpoint> endpoints, Optional<Instant> lastChangeTriggerTime) {
    public static final String TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

    public EndpointSlice {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
        java.util.Objects.requireNonNull(lastChangeTriggerTime, "lastChangeTriggerTime");
    }

    /** A slice without a trigger time (written by hand, or by a controller that sets none). */
    public EndpointSlice(String namespace, String name, String serviceName, IpFamily family, List<Port> ports, List<Endpoint> endpoints) {
        this(namespace, name, serviceName, family, ports, endpoints, Optional.empty());
    }

    /** A slice port: named like the service port it serves; the number is the resolved target port. */
    public record Port(String name, Protocol protocol, int port) {}

    /**
     * One endpoint with its conditions as kube-proxy reads them (pkg/proxy/endpointslicecache.go): ready (absent means
     * ready), serving (absent means serving, also when not ready: kube-proxy's reading, where the API doc says "as
     * ready"), terminating (absent means false); its topology hints, zones ({@code hints.forZones}) and nodes
     * ({@code hints.forNodes}); and the name of the Pod it targets (a targetRef of kind Pod; empty otherwise). Only
     * the first address counts, as for kube-proxy: {@code ip} is that one, kept compact ({@link IpAddress}: 40 bytes
     * less than an {@code InetAddress} for IPv4, 88 for IPv6, at about 120,000 endpoints at 10,000 x 10).
     *
     * <p>A value with a record's meaning (equal when every part is; {@code toString} as a record of these parts prints
     * it), written as a class so that it holds its pod's name without a {@link PodName} of its own: the name's prefix
     * and packed last part, with the three conditions in the bits above that part, and both kinds of hints behind one
     * reference (none when both are empty). 40 bytes per endpoint, as the record was without its pod's 24 (about
     * 2.9 MB at 10,000 x 10). {@link #pod()} makes the name on each call (output, not per-endpoint work).
     */
    public static final class Endpoint {
        private static final long READY = 1L << 56, SERVING = 1L << 57, TERMINATING = 1L << 58;

        /** Both kinds of topology hints, when an endpoint has any. */
        private record Hints(Set<String> zones, Set<String> nodes) {}

        private final IpAddress ip;
        /** The pod name's packed last part ({@link PodName#PACKED_BITS}) and the conditions above it. */
        private final long podAndConditions;
        private final String nodeName;
        private final String zone;
        /** Null when both are empty. */
        private final Hints hints;
        private final String podPrefix;

        public Endpoint(IpAddress ip, boolean ready, boolean serving, boolean terminating,
                        String nodeName, String zone, Set<String> hintZones, Set<String> hintNodes, PodName pod) {
            this.ip = java.util.Objects.requireNonNull(ip, "ip");
            java.util.Objects.requireNonNull(pod, "pod");
            this.podAndConditions = pod.packed() | (ready ? READY : 0) | (serving ? SERVING : 0) | (terminating ? TERMINATING : 0);
            this.podPrefix = pod.prefix();
            this.nodeName = nodeName;
            this.zone = zone;
            this.hints = hintZones.isEmpty() && hintNodes.isEmpty() ? null : new Hints(Set.copyOf(hintZones), Set.copyOf(hintNodes));
        }

        public Endpoint(InetAddress address, boolean ready, boolean serving, boolean terminating,
                        String nodeName, String zone, Set<String> hintZones, Set<String> hintNodes, PodName pod) {
            this(IpAddress.of(address), ready, serving, terminating, nodeName, zone, hintZones, hintNodes, pod);
        }

        /** An endpoint targeting the pod named {@code pod} (empty: none). */
        public Endpoint(InetAddress address, boolean ready, boolean serving, boolean terminating,
                        String nodeName, String zone, Set<String> hintZones, Set<String> hintNodes, String pod) {
            this(IpAddress.of(address), ready, serving, terminating, nodeName, zone, hintZones, hintNodes, PodName.of(pod));
        }

        public IpAddress ip() {
            return ip;
        }

        /** The address as an {@code InetAddress} (a new one on each call: for output and checks, not per-endpoint work). */
        public InetAddress address() {
            return ip.toInetAddress();
        }

        public boolean ready() {
            return (podAndConditions & READY) != 0;
        }

        public boolean serving() {
            return (podAndConditions & SERVING) != 0;
        }

        public boolean terminating() {
            return (podAndConditions & TERMINATING) != 0;
        }

        public String nodeName() {
            return nodeName;
        }

        public String zone() {
            return zone;
        }

        public Set<String> hintZones() {
            return hints == null ? Set.of() : hints.zones();
        }

        public Set<String> hintNodes() {
            return hints == null ? Set.of() : hints.nodes();
        }

        /** The pod's name (a new instance on each call, sharing this endpoint's prefix instance). */
        public PodName pod() {
            return PodName.of(podPrefix, podAndConditions & PodName.PACKED_BITS);
        }

        /** Whether {@code other} targets the same pod (by name), without making either name. */
        public boolean samePod(Endpoint other) {
            return ((podAndConditions ^ other.podAndConditions) & PodName.PACKED_BITS) == 0 && podPrefix.equals(other.podPrefix);
        }

        /** {@code pod().hashCode()}, without making the name. */
        public int podHashCode() {
            return PodName.hashCode(podPrefix, podAndConditions & PodName.PACKED_BITS);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Endpoint e && podAndConditions == e.podAndConditions && ip.equals(e.ip)
                    && java.util.Objects.equals(nodeName, e.nodeName) && java.util.Objects.equals(zone, e.zone)
                    && podPrefix.equals(e.podPrefix) && java.util.Objects.equals(hints, e.hints);
        }

        @Override
        public int hashCode() {
            int h = ip.hashCode() * 31 + (int) (podAndConditions >>> 56);
            h = h * 31 + java.util.Objects.hashCode(nodeName);
            h = h * 31 + java.util.Objects.hashCode(zone);
            h = h * 31 + java.util.Objects.hashCode(hints);
            return h * 31 + podHashCode();
        }

        @Override
        public String toString() {
            return "Endpoint[ip=" + ip + ", ready=" + ready() + ", serving=" + serving() + ", terminating=" + terminating()
                    + ", nodeName=" + nodeName + ", zone=" + zone + ", hintZones=" + hintZones() + ", hintNodes=" + hintNodes()
                    + ", pod=" + pod() + "]";
        }
    }

    public ObjectRef ref() {
        return new ObjectRef("EndpointSlice", namespace, name);
    }
}
