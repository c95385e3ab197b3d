package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** What the tc programs need from the agent: the IPv4 address to SNAT to (null: none) and the SNAT port range. */
public record TcConfig(InetAddress snat4, int portMin, int portMax) {
    /** Above Linux's default ephemeral range (32768-60999), so kpf's SNAT ports never meet the node's own sockets. */
    public static final int PORT_MIN = 61000, PORT_MAX = 65535;
}
