package dev.kpf.dataplane.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/** A discovery.k8s.io/v1 EndpointSlice: the service it belongs to, its family, ports and endpoints. */
public record EndpointSlice(String namespace, String name, String serviceName, IpFamily family, List<Port> ports,
                            List<Endpoint> endpoints) {
    public EndpointSlice {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    /** A slice port: named like the service port it serves; the number is the resolved target port. */
    public record Port(String name, Protocol protocol, int port) {}

    /**
     * One endpoint with its conditions as kube-proxy reads them: ready (absent means ready), serving (absent means
     * as ready), terminating (absent means false).
     */
    public record Endpoint(List<InetAddress> addresses, boolean ready, boolean serving, boolean terminating,
                           String nodeName, String zone, Set<String> hintZones, String targetRef) {
        public Endpoint {
            addresses = List.copyOf(addresses);
            hintZones = Set.copyOf(hintZones);
        }
    }

    public ObjectRef ref() {
        return new ObjectRef("EndpointSlice", namespace, name);
    }
}
