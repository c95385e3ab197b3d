package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A backend that left a UDP frontend (by its rev-NAT id): connected sockets kpf translated to it are let go. */
public record GoneBackend(int revNatId, InetAddress address, int port) {}
