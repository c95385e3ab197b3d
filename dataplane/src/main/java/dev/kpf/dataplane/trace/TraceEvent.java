package dev.kpf.dataplane.trace;

import dev.kpf.dataplane.model.IpAddresses;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * One translation as the socket programs reported it. {@code backend} is empty when there was none (refused, not a
 * service); for recvmsg and getpeername it is the address the kernel saw and {@code vip} the frontend shown instead.
 * {@code protocol} is the IP protocol number; {@code backendId} is 0 when the hook does not know it.
 */
public record TraceEvent(Instant time, int pid, String comm, long cgroupId, long netnsCookie, long socketCookie,
                         int protocol, TraceHook hook, TraceOutcome outcome, InetAddress vip, int vipPort,
                         Optional<InetAddress> backend, int backendPort, int revNatId, int backendId) {

    public String vipText() {
        return IpAddresses.withPort(vip, vipPort);
    }

    public String backendText() {
        return backend.map(b -> IpAddresses.withPort(b, backendPort)).orElse("-");
    }

    public String protocolName() {
        return switch (protocol) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 132 -> "SCTP";
            default -> Integer.toString(protocol);
        };
    }
}
