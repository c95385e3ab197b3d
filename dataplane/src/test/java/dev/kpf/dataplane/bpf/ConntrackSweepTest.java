package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conntrack sweep over seeded random conntrack maps: flows of both families and protocols, with and without
 * SNAT, closing or not, each entry idle or recent, some with an entry already gone, some to backends that left their
 * frontend, and packets that refresh entries between the sweep's read and its delete. After every sweep:
 * <ul>
 *   <li>a flow with a recent entry keeps both entries (unless it is UDP to a backend that left);</li>
 *   <li>a flow whose entries are all idle, and every UDP flow to a backend that left, is gone whole;</li>
 *   <li>an entry a packet refreshed after the read is kept, with its partner;</li>
 *   <li>with a clock that is not the kernel's (an entry newer than "now"), nothing is ended, only backends that left are flushed.</li>
 * </ul>
 */
class ConntrackSweepTest {
    private static final ConntrackConfig CONFIG = new ConntrackConfig(1024, 32767, Duration.ofSeconds(100), Duration.ofSeconds(10), Duration.ofSeconds(5));
    private static final long NOW = 1_000_000_000_000L;

    /** A conntrack map in memory whose entries can be refreshed between a read of everything and the lookups after it. */
    private static final class Ct implements MapAccess<FlowKey, FlowEntry> {
        final Map<FlowKey, FlowEntry> map = new LinkedHashMap<>();
        final Set<FlowKey> refreshAfterRead = new HashSet<>();

        public String name() { return "kpf_ct"; }
        public int maxEntries() { return 1 << 20; }
        public Map<FlowKey, FlowEntry> entries() {
            Map<FlowKey, FlowEntry> snapshot = new LinkedHashMap<>(map);
            for (FlowKey k : refreshAfterRead) {
                FlowEntry e = map.get(k);
                if (e == null) continue;
                map.put(k, new FlowEntry(e.addr(), e.port(), e.addr2(), e.port2(), e.revNatId(), e.flags(), NOW, e.createdNs()));
            }
            return snapshot;
        }
        public Optional<FlowEntry> lookup(FlowKey key) { return Optional.ofNullable(map.get(key)); }
        public int updateBatch(Map<FlowKey, FlowEntry> entries) { map.putAll(entries); return entries.size(); }
        public int deleteBatch(Collection<FlowKey> keys) {
            int n = 0;
            for (FlowKey k : keys) if (map.remove(k) != null) n++;
            return n;
        }
    }

    private record Flow(FlowKey orig, FlowKey reply, boolean recent, boolean toLeft, FlowKey refreshed) {}

    private static InetAddress ip(Random r, boolean v6) throws Exception {
        byte[] b = new byte[v6 ? 16 : 4];
        r.nextBytes(b);
        b[0] = (byte) (v6 ? 0xfd : 10);
        return InetAddress.getByAddress(b);
    }

    @Test
    void over_random_maps_live_flows_stay_whole_and_ended_or_flushed_flows_go_whole() throws Exception {
        for (long seed = 1; seed <= 400; seed++) {
            Random r = new Random(seed);
            Ct ct = new Ct();
            List<Flow> flows = new ArrayList<>();
            List<GoneBackend> gone = new ArrayList<>();
            boolean badClock = r.nextInt(20) == 0;
            for (int i = 0, n = 1 + r.nextInt(40); i < n; i++) {
                boolean v6 = r.nextBoolean(), snat = r.nextBoolean(), closing = r.nextInt(4) == 0;
                int proto = r.nextBoolean() ? FlowKey.TCP : FlowKey.UDP, revNat = 1 + r.nextInt(5);
                InetAddress client = ip(r, v6), frontend = ip(r, v6), backend = ip(r, v6), node = ip(r, v6);
                int cport = 1 + r.nextInt(60000), fport = 1 + r.nextInt(60000), bport = 1 + r.nextInt(60000), sport = 1024 + r.nextInt(31744);
                InetAddress seenAs = snat ? node : client;
                int seenPort = snat ? sport : cport;
                int flags = (snat ? FlowEntry.SNAT : 0) | (closing ? FlowEntry.CLOSING : 0);
                Duration timeout = closing ? CONFIG.closingTimeout() : proto == FlowKey.TCP ? CONFIG.tcpTimeout() : CONFIG.udpTimeout();
                // each entry recent, idle just past its timeout, or long idle
                long[] last = new long[2];
                for (int e = 0; e < 2; e++) {
                    last[e] = switch (r.nextInt(3)) {
                        case 0 -> NOW - r.nextLong(timeout.toNanos());
                        case 1 -> NOW - timeout.toNanos() - 1 - r.nextLong(1_000_000_000L);
                        default -> NOW - 10 * timeout.toNanos();
                    };
                }
                FlowKey orig = new FlowKey(client, cport, frontend, fport, proto), reply = new FlowKey(backend, bport, seenAs, seenPort, proto);
                ct.map.put(orig, new FlowEntry(backend, bport, seenAs, seenPort, revNat, flags, last[0], 0));
                ct.map.put(reply, new FlowEntry(client, cport, frontend, fport, revNat, flags | FlowEntry.REPLY, last[1], 0));
                boolean toLeft = r.nextInt(5) == 0;
                if (toLeft) gone.add(new GoneBackend(revNat, backend, bport));
                FlowKey refreshed = r.nextInt(8) == 0 ? (r.nextBoolean() ? orig : reply) : null;
                if (refreshed != null) ct.refreshAfterRead.add(refreshed);
                boolean recent = last[0] > NOW - timeout.toNanos() || last[1] > NOW - timeout.toNanos();
                flows.add(new Flow(orig, reply, recent, toLeft && proto == FlowKey.UDP, refreshed));
                if (r.nextInt(10) == 0) ct.map.remove(r.nextBoolean() ? orig : reply); // a flow that lost an entry
            }
            if (badClock) {
                FlowKey any = flows.getFirst().orig();
                if (ct.map.containsKey(any)) {
                    FlowEntry e = ct.map.get(any);
                    ct.map.put(any, new FlowEntry(e.addr(), e.port(), e.addr2(), e.port2(), e.revNatId(), e.flags(), NOW + 5_000_000_000L, 0));
                }
            }
            Map<FlowKey, FlowEntry> before = new HashMap<>(ct.map);
            boolean clockSeenBad = before.values().stream().anyMatch(e -> e.lastNs() > NOW + 1_000_000_000L);
            SweepReport report = new ConntrackSweep(ct, CONFIG).sweep(NOW, gone);
            String where = "seed " + seed;
            assertEquals(before.size(), report.scanned(), where);
            assertEquals(before.size() - ct.map.size(), report.deleted(), where);
            for (Flow f : flows) {
                boolean hadOrig = before.containsKey(f.orig()), hadReply = before.containsKey(f.reply());
                boolean hasOrig = ct.map.containsKey(f.orig()), hasReply = ct.map.containsKey(f.reply());
                if (f.toLeft() && hadOrig) {
                    assertFalse(hasOrig || hasReply, where + ": a UDP flow to a backend that left is flushed whole: " + f);
                    continue;
                }
                boolean live = clockSeenBad || (f.refreshed() != null && before.containsKey(f.refreshed())) || (hadOrig && hadReply ? f.recent()
                        : hadOrig ? !before.get(f.orig()).stale(f.orig(), CONFIG, NOW) : hadReply && !before.get(f.reply()).stale(f.reply(), CONFIG, NOW));
                if (live) {
                    assertEquals(List.of(hadOrig, hadReply), List.of(hasOrig, hasReply), where + ": a live flow keeps what it had: " + f);
                } else {
                    assertFalse(hasOrig || hasReply, where + ": a flow whose entries are all idle goes whole: " + f);
                }
            }
        }
    }

    @Test
    void a_report_counts_the_flushed_entries_apart() throws Exception {
        Ct ct = new Ct();
        InetAddress c = InetAddress.getByName("10.0.0.1"), f = InetAddress.getByName("10.96.0.1"), b = InetAddress.getByName("10.244.0.1");
        FlowKey orig = new FlowKey(c, 4000, f, 53, FlowKey.UDP), reply = new FlowKey(b, 53, c, 4000, FlowKey.UDP);
        ct.map.put(orig, new FlowEntry(b, 53, c, 4000, 7, 0, NOW, 0));
        ct.map.put(reply, new FlowEntry(c, 4000, f, 53, 7, FlowEntry.REPLY, NOW, 0));
        SweepReport r = new ConntrackSweep(ct, CONFIG).sweep(NOW, List.of(new GoneBackend(7, b, 53)));
        assertEquals(List.of(2, 2, 2), List.of(r.scanned(), r.deleted(), r.purged()));
        assertTrue(ct.map.isEmpty());
    }
}
