package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;

/**
 * A backend of a frontend: the endpoint's address and resolved target port, its state, whether it runs on this
 * node, and its zone, node and pod (the endpoint's targetRef name; empty when unknown, as in tables read back from
 * the maps) for display.
 *
 * <p>A value with a record's meaning (equal when every part is; {@code toString} as a record prints it), written as a
 * class so that port, protocol, state and locality share one {@code int}, and address, node, zone and pod are the
 * endpoint's it was made from (one made from parts holds an endpoint of those parts; the endpoint's conditions and
 * hints are not the backend's: {@link #state()} is). A table holds one of these per endpoint and service port (about
 * 118,000 at 10,000 Services x 10 endpoints): the record took 48 bytes each, this 24.
 */
public final class Backend implements Comparable<Backend> {
    private static final int PORT_BITS = 0xffff;
    private static final int PROTOCOL_SHIFT = 16, STATE_SHIFT = 18, LOCAL_BIT = 1 << 19;
    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final State[] STATES = State.values();

    /** Address, node, zone and pod. */
    private final Endpoint endpoint;
    /** port (16 bits), protocol ordinal (2), state ordinal (1), local (1). */
    private final int bits;

    /** The backend of {@code endpoint} at {@code port}: its address, node, zone and pod are the endpoint's. */
    public Backend(Endpoint endpoint, int port, Protocol protocol, State state, boolean local) {
        if (port < 0 || port > PORT_BITS) throw new IllegalArgumentException("port " + port + " is not in 0-65535");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.bits = port | protocol.ordinal() << PROTOCOL_SHIFT | state.ordinal() << STATE_SHIFT | (local ? LOCAL_BIT : 0);
    }

    /** A backend of {@code endpoint} with {@link #bits()} as another backend has them ({@link BackendList}). */
    Backend(Endpoint endpoint, int bits) {
        this.endpoint = endpoint;
        this.bits = bits;
    }

    public Backend(IpAddress ip, int port, Protocol protocol, State state, boolean local, String nodeName,
                   String zone, PodName pod) {
        this(new Endpoint(ip, state == State.READY, true, state == State.TERMINATING, nodeName, zone, Set.of(), Set.of(), pod),
                port, protocol, state, local);
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
        return endpoint.ip();
    }

    /** The address as an {@code InetAddress} (a new one on each call: for output and checks, not per-backend work). */
    public InetAddress address() {
        return endpoint.address();
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
        return endpoint.nodeName();
    }

    public String zone() {
        return endpoint.zone();
    }

    /** The pod's name (made on each call: for output). */
    public PodName pod() {
        return endpoint.pod();
    }

    private static final Comparator<Backend> ORDER = Comparator
            .comparing(Backend::ip)
            .thenComparingInt(Backend::port);

    @Override
    public int compareTo(Backend o) {
        return ORDER.compare(this, o);
    }

    /** The endpoint whose address, node, zone and pod these are. */
    Endpoint endpoint() {
        return endpoint;
    }

    /** Port, protocol, state and locality, packed. */
    int bits() {
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Backend b && equal(endpoint, bits, b.endpoint, b.bits);
    }

    /** Whether the backends of these endpoints and bits are equal (without making them: {@link BackendList}). */
    static boolean equal(Endpoint e, int bits, Endpoint f, int fBits) {
        return bits == fBits && (e == f || e.ip().equals(f.ip()) && Objects.equals(e.nodeName(), f.nodeName())
                && Objects.equals(e.zone(), f.zone()) && e.samePod(f));
    }

    @Override
    public int hashCode() {
        return hashCode(endpoint, bits);
    }

    /** The hash of the backend of {@code e} and {@code bits} (without making it: {@link BackendList}). */
    static int hashCode(Endpoint e, int bits) {
        return ((e.ip().hashCode() * 31 + bits) * 31 + Objects.hashCode(e.nodeName())) * 31 * 31
                + Objects.hashCode(e.zone()) * 31 + e.podHashCode();
    }

    @Override
    public String toString() {
        return "Backend[address=" + ip() + ", port=" + port() + ", protocol=" + protocol() + ", state=" + state()
                + ", local=" + local() + ", nodeName=" + nodeName() + ", zone=" + zone() + ", pod=" + pod() + "]";
    }

    /** {@code 10.0.1.5:8080 ready local}. */
    public String describe() {
        return IpAddresses.withPort(endpoint.ip(), port()) + " " + state().name().toLowerCase(java.util.Locale.ROOT) + (local() ? " local" : "");
    }
}
