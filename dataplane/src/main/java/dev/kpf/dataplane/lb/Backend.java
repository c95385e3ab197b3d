package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.util.Comparator;

/**
 * A backend of a frontend: the endpoint's address and resolved target port, its state, whether it runs on this
 * node, and its zone, node and pod (the endpoint's targetRef name; empty when unknown, as in tables read back from
 * the maps) for display.
 */
public record Backend(InetAddress address, int port, Protocol protocol, State state, boolean local, String nodeName,
                      String zone, PodName pod) implements Comparable<Backend> {

    public Backend {
        java.util.Objects.requireNonNull(pod, "pod");
    }

    /** A backend of the pod named {@code pod} (empty when unknown). */
    public Backend(InetAddress address, int port, Protocol protocol, State state, boolean local, String nodeName, String zone, String pod) {
        this(address, port, protocol, state, local, nodeName, zone, PodName.of(pod));
    }

    /** READY endpoints take traffic; TERMINATING ones (serving, terminating) only when no ready one exists. */
    public enum State { READY, TERMINATING }

    private static final Comparator<Backend> ORDER = Comparator
            .comparing((Backend b) -> b.address, IpAddresses::compare)
            .thenComparingInt(Backend::port);

    @Override
    public int compareTo(Backend o) {
        return ORDER.compare(this, o);
    }

    /** {@code 10.0.1.5:8080 ready local}. */
    public String describe() {
        return IpAddresses.withPort(address, port) + " " + state.name().toLowerCase(java.util.Locale.ROOT) + (local ? " local" : "");
    }
}
