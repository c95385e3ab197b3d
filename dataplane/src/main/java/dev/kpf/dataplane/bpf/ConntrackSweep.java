package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Removes flows from kpf_ct: those that ended (both entries idle past their timeout, or one idle and its partner
 * gone) and UDP flows to backends that left their frontend, as kube-proxy flushes UDP conntrack entries of removed
 * endpoints: the client's next datagram starts a new flow to a backend that is still there. TCP flows to a backend
 * that left are left to end on their own, as kube-proxy leaves them.
 *
 * <p>A flow is deleted whole (both entries). One read of the map (batched), then a lookup of each ended entry just
 * before the delete: a flow that saw a packet since the read is kept. The programs expire flows on their own when a
 * packet finds them stale; the sweep frees the memory and the SNAT ports of flows no packet comes back for.
 *
 * @param now the kernel's monotonic clock in ns (bpf_ktime_get_ns is CLOCK_MONOTONIC, as HotSpot's nanoTime on Linux)
 */
final class ConntrackSweep {
    private final MapAccess<FlowKey, FlowEntry> ct;
    private final ConntrackConfig config;

    ConntrackSweep(MapAccess<FlowKey, FlowEntry> ct, ConntrackConfig config) {
        this.ct = ct;
        this.config = config;
    }

    /** A backend's address and port under one frontend (its rev-NAT id). */
    private record Target(int revNatId, InetAddress address, int port) {}

    SweepReport sweep(long now, Collection<GoneBackend> gone) {
        long cpu0 = cpuNanos(), t0 = System.nanoTime();
        Set<Target> left = new java.util.HashSet<>();
        for (GoneBackend g : gone) left.add(new Target(g.revNatId(), g.address(), g.port()));
        Map<FlowKey, FlowEntry> all = ct.entries();
        // a clock that is not the kernel's would end live flows: then only backends that left are purged
        boolean clockAgrees = all.values().stream().noneMatch(e -> e.lastNs() > now + 1_000_000_000L);
        Set<FlowKey> purged = new LinkedHashSet<>(), ended = new LinkedHashSet<>();
        for (Map.Entry<FlowKey, FlowEntry> e : all.entrySet()) {
            FlowKey key = e.getKey();
            FlowEntry entry = e.getValue();
            if (purged.contains(key) || ended.contains(key)) continue;
            FlowKey partnerKey = entry.partner(key);
            FlowEntry partner = all.get(partnerKey);
            boolean paired = partner != null && partner.names(key);
            boolean toLeft = !entry.reply() && key.protocol() == FlowKey.UDP && left.contains(new Target(entry.revNatId(), entry.addr(), entry.port()));
            boolean over = clockAgrees && entry.stale(key, config, now) && (!paired || partner.stale(partnerKey, config, now));
            if (!toLeft && !over) continue;
            Set<FlowKey> into = toLeft ? purged : ended;
            into.add(key);
            if (paired) into.add(partnerKey);
        }
        // an ended flow that saw a packet since the read lives on
        Set<FlowKey> stillIdle = new java.util.HashSet<>(ended.stream().filter(k -> unchanged(k, all.get(k))).toList());
        Set<FlowKey> delete = new LinkedHashSet<>(purged);
        for (FlowKey k : stillIdle) {
            FlowKey p = all.get(k).partner(k);
            if (!ended.contains(p) || stillIdle.contains(p)) delete.add(k);
        }
        int deleted = delete.isEmpty() ? 0 : ct.deleteBatch(delete);
        return new SweepReport(all.size(), deleted, purged.size(), cpuNanos() - cpu0, System.nanoTime() - t0);
    }

    private boolean unchanged(FlowKey key, FlowEntry seen) {
        Optional<FlowEntry> now = ct.lookup(key);
        return now.isEmpty() || now.get().lastNs() == seen.lastNs();
    }

    private static long cpuNanos() {
        var threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
    }
}
