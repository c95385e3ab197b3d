package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.Objects;

/**
 * A backend of a frontend: the endpoint's address and resolved target port, its state, whether it runs on this
 * node, and its zone, node and pod (the endpoint's targetRef name; empty when unknown, as in tables read back from
 * the maps) for display.
 *
 * <p>A value with a record's meaning (equal when every part is; {@code toString} as a record prints it), written as a
 * class so that port, protocol, state and locality share one {@code int}: a table holds one of these per endpoint and
 * service port (about 118,000 at 10,000 Services x 10 endpoints), and the four fields as a record's took 16 bytes more
 * each (48 against 32 bytes; 1.9 MB).
 */
public final class Backend implements Comparable<Backend> {
    private static final int PORT_BITS = 0xffff;
    private static final int PROTOCOL_SHIFT = 16, STATE_SHIFT = 18, LOCAL_BIT = 1 << 19;
    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final State[] STATES = State.values();

    private final IpAddress ip;
    /** port (16 bits), protocol ordinal (2), state ordinal (1), local (1). */
    private final int bits;
    private final String nodeName;
    private final String zone;
    private final PodName pod;

    public Backend(IpAddress ip, int port, Protocol protocol, State state, boolean local, String nodeName,
                   String zone, PodName pod) {
        if (port < 0 || port > PORT_BITS) throw new IllegalArgumentException("port " + port + " is not in 0-65535");
        this.ip = Objects.requireNonNull(ip, "ip");
        this.bits = port | protocol.ordinal() << PROTOCOL_SHIFT | state.ordinal() << STATE_SHIFT | (local ? LOCAL_BIT : 0);
        this.nodeName = nodeName;
        this.zone = zone;
        this.pod = Objects.requireNonNull(pod, "pod");
    }

    public Backend(InetAddress address, int port, Protocol protocol, State state, boolean local, String nodeName,
                   String zone, PodName pod) {
        this(IpAddress.of(address), port, protocol, state, local, nodeName, zone, pod);
    }

    /** A backend of the pod named {@code pod} (empty when unknown). */
    public Backend(IpAddress ip, int port, Protocol protocol, State state, boolean local, String nodeName, String zone, String pod) {
        this(ip, port, protocol, state, local, nodeName, zone, PodName.of(pod));
    }

    /** A backend of the pod named {@code pod} (empty when unknown). */
    public Backend(InetAddress address, int port, Protocol protocol, State state, boolean local, String nodeName, String zone, String pod) {
        this(IpAddress.of(address), port, protocol, state, local, nodeName, zone, PodName.of(pod));
    }

    /** READY endpoints take traffic; TERMINATING ones (serving, terminating) only when no ready one exists. */
    public enum State { READY, TERMINATING }

    static {
        if (PROTOCOLS.length > 4 || STATES.length > 2) throw new AssertionError("Backend packs protocol in 2 bits and state in 1");
    }

    /** The endpoint's address (the instance the endpoint holds, when made from one). */
    public IpAddress ip() {
        return ip;
    }

    /** The address as an {@code InetAddress} (a new one on each call: for output and checks, not per-backend work). */
    public InetAddress address() {
        return ip.toInetAddress();
    }

    public int port() {
        return bits & PORT_BITS;
    }

    public Protocol protocol() {
        return PROTOCOLS[(bits >>> PROTOCOL_SHIFT) & 3];
    }

    public State state() {
        return STATES[(bits >>> STATE_SHIFT) & 1];
    }

    public boolean local() {
        return (bits & LOCAL_BIT) != 0;
    }

    public String nodeName() {
        return nodeName;
    }

    public String zone() {
        return zone;
    }

    public PodName pod() {
        return pod;
    }

    private static final Comparator<Backend> ORDER = Comparator
            .comparing((Backend b) -> b.ip)
            .thenComparingInt(Backend::port);

    @Override
    public int compareTo(Backend o) {
        return ORDER.compare(this, o);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Backend b && bits == b.bits && ip.equals(b.ip)
                && Objects.equals(nodeName, b.nodeName) && Objects.equals(zone, b.zone) && pod.equals(b.pod);
    }

    @Override
    public int hashCode() {
        return ((ip.hashCode() * 31 + bits) * 31 + Objects.hashCode(nodeName)) * 31 * 31
                + Objects.hashCode(zone) * 31 + pod.hashCode();
    }

    @Override
    public String toString() {
        return "Backend[address=" + ip + ", port=" + port() + ", protocol=" + protocol() + ", state=" + state()
                + ", local=" + local() + ", nodeName=" + nodeName + ", zone=" + zone + ", pod=" + pod + "]";
    }

    /** {@code 10.0.1.5:8080 ready local}. */
    public String describe() {
        return IpAddresses.withPort(ip, port()) + " " + state().name().toLowerCase(java.util.Locale.ROOT) + (local() ? " local" : "");
    }
}
