package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A value of kpf_backends4/6: address, port, IP protocol number and flags (terminating, local). */
public record BackendValue(InetAddress address, int port, int protocol, int flags) {}
