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
     * One endpoint with its conditions as kube-proxy reads them: ready (absent means ready), serving (absent means
     * as ready), terminating (absent means false); and the name of the Pod it targets (a targetRef of kind Pod;
     * empty otherwise).
     */
    public record Endpoint(List<InetAddress> addresses, boolean ready, boolean serving, boolean terminating,
                           String nodeName, String zone, Set<String> hintZones, String pod) {
        public Endpoint {
            addresses = List.copyOf(addresses);
            hintZones = Set.copyOf(hintZones);
        }
    }

    public ObjectRef ref() {
        return new ObjectRef("EndpointSlice", namespace, name);
    }
}
