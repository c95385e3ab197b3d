package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.util.Comparator;

/**
 * A frontend key: address, port, protocol and scope (the svc map's key without the slot). Ordered by family,
 * address bytes, port, protocol and scope so dumps are stable.
 */
public record Frontend(InetAddress address, int port, Protocol protocol, Scope scope) implements Comparable<Frontend> {
    private static final Comparator<Frontend> ORDER = Comparator
            .comparing((Frontend f) -> f.address, IpAddresses::compare)
            .thenComparingInt(Frontend::port)
            .thenComparing(Frontend::protocol)
            .thenComparing(Frontend::scope);

    public IpFamily family() {
        return IpFamily.of(address);
    }

    @Override
    public int compareTo(Frontend o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port) + "/" + protocol + (scope == Scope.INTERNAL ? " (internal)" : "");
    }
}
