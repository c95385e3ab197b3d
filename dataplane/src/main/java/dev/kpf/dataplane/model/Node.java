package dev.kpf.dataplane.model;

import java.net.InetAddress;
import java.util.List;

/** A Node: its name, its zone label ({@code topology.kubernetes.io/zone}) and its InternalIP/ExternalIP addresses. */
public record Node(String name, String zone, List<InetAddress> addresses) {
    public Node {
        addresses = List.copyOf(addresses);
    }
}
