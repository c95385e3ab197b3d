package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A kpf_ct key: one direction of a flow as its packets carry it (the family is the addresses'). */
public record FlowKey(InetAddress source, int sourcePort, InetAddress destination, int destinationPort, int protocol) {
    public static final int TCP = 6, UDP = 17;
}
