package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.IpAddress;

import java.net.InetAddress;

/**
 * A value of kpf_backends4/6: address, port, IP protocol number and flags (terminating, local). The address is the
 * compact one the translated table's backends hold, so that the writer's mirror shares their instances.
 */
public record BackendValue(IpAddress address, int port, int protocol, int flags) {
    public BackendValue(InetAddress address, int port, int protocol, int flags) {
        this(IpAddress.of(address), port, protocol, flags);
    }
}
