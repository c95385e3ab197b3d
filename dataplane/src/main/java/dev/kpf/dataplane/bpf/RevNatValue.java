package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A value of kpf_revnat4/6: the frontend address and port replies are shown as coming from. */
public record RevNatValue(InetAddress address, int port) {}
