package dev.kpf.dataplane.bpf;

import java.io.IOException;
import dev.kpf.dataplane.model.IpAddress;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The interfaces replies of SNATed flows come back on: those the routing table of the devices' namespace reaches
 * backends through (a pod's veth on this node, a second NIC), beyond the devices themselves and loopback. Worked out
 * again only when a backend came or went (the writer's backend generation) or when asked to ({@link #reset}); an
 * earlier agent's reply links are kept until the first time ({@link #settled}).
 */
final class ReplyDevices {
    private List<Device> current = List.of();
    private boolean settled;
    private long generation = -1;
    private Set<IpAddress> addresses = Set.of();

    List<Device> current() {
        return current;
    }

    boolean settled() {
        return settled;
    }

    /** The next time works them out whatever the backends (routes may have changed, or the devices). */
    void reset() {
        generation = -1;
        addresses = Set.of();
    }

    /** The devices became {@code kept} (some reply devices turned into devices). */
    void keepOnly(List<Device> kept) {
        current = List.copyOf(kept);
    }

    /**
     * The reply devices for the writer's backends now, or null when they are as they were. {@link #settle} records
     * them once attached.
     */
    List<Device> next(List<Device> devices, MapWriter writer) throws IOException {
        long g = writer.backendGeneration();
        if (g == generation && settled) return null; // no backend came or went
        Set<IpAddress> now = writer.backendAddresses();
        if (now.equals(addresses) && settled) {
            generation = g;
            return null;
        }
        Path netns = devices.getFirst().netns();
        RouteTable routes = RouteTable.read(netns);
        Set<String> names = new TreeSet<>();
        for (IpAddress a : now) routes.deviceFor(a.toInetAddress()).ifPresent(names::add);
        names.remove("lo");
        List<Device> next = new ArrayList<>();
        for (String n : names) {
            Device d = new Device(netns, n);
            if (!devices.contains(d)) next.add(d);
        }
        generation = g;
        addresses = now;
        return next.equals(current) && settled ? null : next;
    }

    void settle(List<Device> attached) {
        current = List.copyOf(attached);
        settled = true;
    }
}
