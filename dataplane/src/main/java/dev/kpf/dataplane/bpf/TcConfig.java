package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** What the tc programs need from the agent: the IPv4 address to SNAT to (null: none) and the SNAT port range. */
public record TcConfig(InetAddress snat4, int portMin, int portMax) {
    /**
     * Below Linux's default ephemeral range (32768-60999), so kpf's SNAT ports never meet the node's own outgoing
     * connections; 31,744 ports per backend address and port (a port is free again 10 s after its flow closed).
     */
    public static final int PORT_MIN = 1024, PORT_MAX = 32767;
}
