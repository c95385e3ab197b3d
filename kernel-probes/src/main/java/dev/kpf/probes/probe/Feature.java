package dev.kpf.probes.probe;

/** The kpf capabilities a probe can take away, named as `kpf probe` and the doctor show them. */
public enum Feature {
    SOCKET_LB("socket-lb", "Service translation for connections started on the node (connect4/6)"),
    CONNECT_REFUSED("connect-refused", "connects to a Service without backends fail with ECONNREFUSED (bpf_set_retval, 5.18; else EPERM)"),
    UDP("udp", "Service translation for unconnected UDP such as DNS (sendmsg/recvmsg)"),
    IPV6("ipv6", "IPv6 and dual-stack Services"),
    PEER_ADDRESS("peer-address", "applications see the Service address as their peer (getpeername)"),
    SESSION_AFFINITY("session-affinity", "sessionAffinity: ClientIP with timeouts"),
    STATS("stats", "per-frontend and per-backend counters"),
    SOURCE_RANGES("source-ranges", "loadBalancerSourceRanges"),
    EXTERNAL_LB("external-lb", "NodePort, ExternalIPs and LoadBalancer traffic from outside the node (tc)"),
    UDP_SOCKET_TERMINATION("udp-socket-termination", "connected UDP sockets let go of a backend that left its Service (bpf_sock_destroy)"),
    TRACE("trace", "kpf trace events (ring buffer)"),
    NETNS_SCOPE("netns-scope", "host-network-only frontends (netns cookie)"),
    CO_RE("co-re", "loading kpf's CO-RE BPF programs (needs kernel BTF)"),
    RESTART_SURVIVAL("restart-survival", "agent restarts without dropping traffic (pinned maps and links)"),
    PERFORMANCE("performance", "JIT-compiled BPF programs"),
    ALL("all", "everything kpf does");

    private final String id;
    private final String description;

    Feature(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }
}
