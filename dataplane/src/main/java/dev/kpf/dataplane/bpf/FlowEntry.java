package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/**
 * A kpf_ct value. Original direction (client -> frontend): {@code addr:port} is the backend, {@code addr2:port2} the
 * source the backend sees (the SNAT address and port, or the client). Reply direction: {@code addr:port} is the
 * client, {@code addr2:port2} the frontend. Either way the flow's other entry is keyed {@code addr:port -> addr2:port2}
 * ({@link #partner}). Times are the kernel's monotonic clock (bpf_ktime_get_ns).
 */
public record FlowEntry(InetAddress addr, int port, InetAddress addr2, int port2, int revNatId, int flags, long lastNs, long createdNs) {
    public static final int SNAT = 1, REPLY = 2, CLOSING = 4;

    public boolean reply() {
        return (flags & REPLY) != 0;
    }

    /** The key of the flow's other entry. */
    public FlowKey partner(FlowKey key) {
        return new FlowKey(addr, port, addr2, port2, key.protocol());
    }

    /** Whether this entry names {@code key} as its partner. */
    public boolean names(FlowKey key) {
        return addr.equals(key.source()) && port == key.sourcePort() && addr2.equals(key.destination()) && port2 == key.destinationPort();
    }

    /** Whether it saw no packet for longer than its timeout (as kpf_ct_stale decides). */
    public boolean stale(FlowKey key, ConntrackConfig config, long nowNs) {
        java.time.Duration timeout = (flags & CLOSING) != 0 ? config.closingTimeout()
                : key.protocol() == FlowKey.TCP ? config.tcpTimeout() : config.udpTimeout();
        return nowNs - lastNs > timeout.toNanos();
    }
}
