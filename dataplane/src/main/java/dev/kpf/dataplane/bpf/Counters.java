package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.util.Map;

/**
 * The socket programs' counters, read from kpf_stats and resolved through the service and backend maps: per
 * frontend and per backend ("ip:port/PROTO"), connects (and UDP sends) translated and connects refused.
 */
public record Counters(Map<Frontend, Count> frontends, Map<String, Count> backends) {
    public static final Counters NONE = new Counters(Map.of(), Map.of());

    public Counters {
        frontends = Map.copyOf(frontends);
        backends = Map.copyOf(backends);
    }

    /** Counts since the maps were created (they survive agent restarts). */
    public record Count(long connects, long refused) {
        public static final Count ZERO = new Count(0, 0);
    }

    public static String backendKey(InetAddress address, int port, Protocol protocol) {
        return IpAddresses.withPort(address, port) + "/" + protocol;
    }

    public static String backendKey(dev.kpf.dataplane.model.IpAddress address, int port, Protocol protocol) {
        return IpAddresses.withPort(address, port) + "/" + protocol;
    }

    public Count frontend(Frontend f) {
        return frontends.getOrDefault(f, Count.ZERO);
    }

    public Count backend(String key) {
        return backends.getOrDefault(key, Count.ZERO);
    }
}
