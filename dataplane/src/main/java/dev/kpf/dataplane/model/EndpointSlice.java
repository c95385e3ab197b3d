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
     */
    public record Endpoint(IpAddress ip, boolean ready, boolean serving, boolean terminating,
                           String nodeName, String zone, Set<String> hintZones, Set<String> hintNodes, PodName pod) {
        public Endpoint {
            java.util.Objects.requireNonNull(ip, "ip");
            java.util.Objects.requireNonNull(pod, "pod");
            hintZones = Set.copyOf(hintZones);
            hintNodes = Set.copyOf(hintNodes);
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

        /** The address as an {@code InetAddress} (a new one on each call: for output and checks, not per-endpoint work). */
        public InetAddress address() {
            return ip.toInetAddress();
        }
    }

    public ObjectRef ref() {
        return new ObjectRef("EndpointSlice", namespace, name);
    }
}
