package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** What the tc programs need from the agent: the addresses to SNAT to per family (null: none) and the conntrack settings. */
public record TcConfig(InetAddress snat4, InetAddress snat6, ConntrackConfig conntrack) {}
