package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The defects found in the writer under churn (issue 14), each as the smallest sequence of syncs that showed it,
 * against in-memory maps that check the readers' invariant after every single write.
 */
class MapWriterRegressionTest {
    private FakeKernel kernel;
    private FakeMaps maps;
    private ReaderInvariant invariant;
    private MapWriter writer;
    /** The last sync failed: the maps hold a mix of its intent and the one before. */
    private boolean afterFailure;

    @BeforeEach
    void setUp() {
        kernel = new FakeKernel(1);
        maps = new FakeMaps(kernel, Map.of());
        invariant = new ReaderInvariant(maps, 1);
        kernel.observe(invariant::written);
        writer = new MapWriter(maps.writerMaps(), true, 251);
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** An entry of Service {@code name}: TCP port 80 on {@code vip}, backends on port 8080, the given options. */
    private static LbEntry entry(String name, FrontendType type, String vip, int affinity, List<String> ranges, String... backends) {
        List<Backend> list = new ArrayList<>();
        for (String b : backends) list.add(new Backend(ip(b), 8080, Protocol.TCP, Backend.State.READY, false, "", "", ""));
        return new LbEntry(new Frontend(ip(vip), 80, Protocol.TCP, Scope.EXTERNAL), type, ObjectRef.service("t", name), "", list, affinity,
                ranges.stream().map(r -> Cidr.parse(r).orElseThrow()).toList(), false, false, 0);
    }

    private static LbEntry clusterIp(String name, String vip, String... backends) {
        return entry(name, FrontendType.CLUSTER_IP, vip, 0, List.of(), backends);
    }

    private static LbTable table(LbEntry... entries) {
        TreeMap<Frontend, LbEntry> m = new TreeMap<>();
        for (LbEntry e : entries) m.put(e.frontend(), e);
        return new LbTable(m, List.of());
    }

    /** Syncs to {@code intent} (the whole table) and checks that no reader saw a broken invariant and nothing is left over. */
    private SyncReport sync(LbTable intent, String what) {
        invariant.syncStarts(intent, !afterFailure, what);
        afterFailure = false;
        SyncReport r = writer.apply(intent);
        assertEquals(List.of(), r.errors(), what);
        invariant.syncEnded();
        assertEquals(List.of(), invariant.violations(), what);
        return r;
    }

    private void assertExactly(LbTable intent) {
        assertEquals(List.of(), ProgrammedExactly.differences(maps, intent));
    }

    @Test
    void a_backend_id_freed_and_taken_again_in_one_sync_is_not_deleted_with_the_old_backend() {
        sync(table(clusterIp("a", "10.96.0.1", "10.244.0.1"), clusterIp("b", "10.96.0.2", "10.244.0.2")), "a and b");
        // a's only backend is replaced by b's; b gains a backend, which could take the id a's old backend frees
        LbTable next = table(clusterIp("a", "10.96.0.1", "10.244.0.2"), clusterIp("b", "10.96.0.2", "10.244.0.2", "10.244.0.3"));
        sync(next, "a takes b's backend, b scales up");
        assertExactly(next);
    }

    @Test
    void a_client_with_affinity_is_never_sent_to_another_services_pod_that_took_its_backends_id() {
        LbEntry x = entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.1");
        sync(table(x, clusterIp("y", "10.96.0.2", "10.244.0.2")), "x with affinity and y");
        invariant.check(); // the clients connect and remember x's backend
        LbEntry x2 = entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.3");
        sync(table(x2, clusterIp("y", "10.96.0.2", "10.244.0.2", "10.244.0.4")), "x's backend leaves, y's new one may take its id");
        sync(table(x2, clusterIp("y", "10.96.0.2", "10.244.0.2", "10.244.0.4")), "again");
        invariant.check();
        assertEquals(List.of(), invariant.violations());
    }

    @Test
    void a_client_with_affinity_leaves_a_backend_its_service_dropped_while_another_service_keeps_it() {
        LbEntry x = entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.1");
        sync(table(x, clusterIp("y", "10.96.0.2", "10.244.0.1")), "x with affinity and y share a backend");
        invariant.check();
        LbEntry x2 = entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.3");
        sync(table(x2, clusterIp("y", "10.96.0.2", "10.244.0.1")), "x's backend leaves x, y keeps it");
        invariant.check();
        assertEquals(List.of(), invariant.violations());
    }

    @Test
    void maglev_tables_are_written_again_after_a_failed_sync() {
        LbTable first = table(entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of(), "10.244.0.1", "10.244.0.2"));
        sync(first, "a LoadBalancer with Maglev");
        long before = kernel.syscalls();
        LbTable second = table(entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of(), "10.244.0.1", "10.244.0.3"));
        // every write syscall of this sync fails at once: nothing of it reaches the maps
        kernel.faultRate(1.0);
        invariant.syncStarts(second, true, "the sync fails");
        assertFalse(writer.apply(second).errors().isEmpty());
        kernel.faultRate(0);
        afterFailure = true;
        assertNotEquals(before, kernel.syscalls());
        sync(second, "the next sync");
        assertExactly(second);
    }

    @Test
    void a_restarted_writer_removes_maglev_tables_nothing_uses_any_more() {
        LbTable first = table(entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of(), "10.244.0.1"),
                entry("lb2", FrontendType.LOAD_BALANCER, "10.97.0.2", 0, List.of(), "10.244.0.2"));
        sync(first, "two LoadBalancers with Maglev");
        writer = new MapWriter(maps.writerMaps(), false, 251);
        invariant.writerRestarted();
        LbTable second = table(entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of(), "10.244.0.1"));
        sync(second, "restarted without Maglev, one LoadBalancer gone");
        assertExactly(second);
    }

    @Test
    void removing_source_ranges_never_drops_clients_before_the_frontend_stops_checking_them() {
        LbEntry ranged = entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of("198.51.100.0/24"), "10.244.0.1");
        sync(table(ranged), "a LoadBalancer with source ranges");
        LbEntry open = entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of(), "10.244.0.1");
        LbTable next = table(open);
        invariant.syncStarts(next, true, "its source ranges are removed (as a diff)");
        assertEquals(List.of(), writer.applyChanges(next.diff(table(ranged))).errors());
        invariant.syncEnded();
        assertEquals(List.of(), invariant.violations());
        assertExactly(next);
    }

    @Test
    void a_failed_sync_that_removes_a_frontend_keeps_its_source_ranges_while_it_serves() {
        LbEntry ranged = entry("lb", FrontendType.LOAD_BALANCER, "10.97.0.1", 0, List.of("198.51.100.0/24"), "10.244.0.1");
        sync(table(ranged), "a LoadBalancer with source ranges");
        kernel.faultRate(1.0);
        invariant.syncStarts(table(), true, "it is removed, and the sync fails");
        writer.applyChanges(table().diff(table(ranged)));
        kernel.faultRate(0);
        assertEquals(List.of(), invariant.violations());
    }

    @Test
    void a_backend_that_leaves_a_service_takes_the_affinity_entries_to_it_along() {
        LbEntry x = entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.1");
        sync(table(x), "x with affinity");
        invariant.check();
        assertFalse(maps.affinity.entries().isEmpty(), "the clients remembered a backend");
        LbTable next = table(entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 10800, List.of(), "10.244.0.2"));
        // no client connects meanwhile (a connect would replace its own entry): only the writer may drop them
        kernel.observe((map, key, value) -> {});
        assertEquals(List.of(), writer.apply(next).errors());
        int x2 = maps.svc4.get(ReaderInvariant.key(entry("x", FrontendType.CLUSTER_IP, "10.96.0.1", 0, List.of()).frontend()).withSlot(1)).backendId();
        assertEquals(List.of(), maps.affinity.entries().values().stream().filter(v -> v.backendId() != x2).toList(),
                "affinity entries to the backend that left are dropped");
    }

    @Test
    void a_reconciling_apply_repairs_a_backend_lost_behind_the_writers_back() {
        LbTable t = table(clusterIp("a", "10.96.0.1", "10.244.0.1", "10.244.0.2"));
        sync(t, "a");
        int id = maps.svc4.get(ReaderInvariant.key(t.entries().firstEntry().getValue().frontend()).withSlot(1)).backendId();
        maps.backends4.deleteBatch(List.of(id)); // e.g. bpftool map delete
        assertEquals(0, writer.apply(t).frontendsWritten() + writer.apply(t).backendsWritten(), "the mirror alone believes all is written");
        invariant.syncStarts(t, true, "reconcile");
        assertEquals(List.of(), writer.reconcile(t).errors());
        assertExactly(t);
    }

    @Test
    void a_backend_left_under_two_ids_by_a_failed_sync_keeps_the_one_in_use_and_loses_the_other() {
        LbTable t = table(clusterIp("a", "10.96.0.1", "10.244.0.1"));
        sync(t, "a");
        int id = maps.svc4.get(ReaderInvariant.key(t.entries().firstEntry().getValue().frontend()).withSlot(1)).backendId();
        // the same backend under a second id nothing uses, as a sync that failed before its deletes leaves it
        maps.backends4.put(id + 7, maps.backends4.get(id));
        writer = new MapWriter(maps.writerMaps(), true, 251);
        invariant.writerRestarted();
        sync(t, "a restarted agent's first sync");
        assertExactly(t);
    }

    @Test
    void a_name_left_without_its_rev_nat_entry_is_removed_and_its_id_not_handed_out_meanwhile() {
        LbTable t = table(clusterIp("a", "10.96.0.1", "10.244.0.1"));
        sync(t, "a");
        // a name written before its rev-NAT entry, by an agent killed between the two batches: the id after the
        // highest one in use, which a restarted agent would hand out first
        int orphan = maps.revNat4.entries().keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        maps.names.put(orphan, "ClusterIP\tt/b\tTCP");
        writer = new MapWriter(maps.writerMaps(), true, 251);
        invariant.writerRestarted();
        LbTable next = table(clusterIp("a", "10.96.0.1", "10.244.0.1"), clusterIp("b", "10.96.0.2", "10.244.0.2"));
        sync(next, "b is added by the restarted agent");
        assertExactly(next);
    }

    @Test
    void a_service_that_no_longer_fits_keeps_what_it_had_also_for_a_writer_that_read_the_maps_back() {
        // kpf_svc4 holds 8 entries: a (1 + 2 slots) and b's two frontends (1 + 1 each) use 7; b's next version drops
        // its second frontend and gives the first 3 backends, which needs 2 more: b stays as it was, both frontends
        maps = new FakeMaps(kernel, Map.of(MapLayout.SVC4, 8));
        writer = new MapWriter(maps.writerMaps(), true, 251);
        invariant = new ReaderInvariant(maps, 1);
        kernel.observe(invariant::written);
        LbEntry a = clusterIp("a", "10.96.0.1", "10.244.0.1", "10.244.0.2");
        LbTable before = table(a, clusterIp("b", "10.96.0.2", "10.244.1.1"), clusterIp("b", "10.96.0.3", "10.244.1.1"));
        sync(before, "a and b fit");
        for (boolean restarted : new boolean[] {false, true}) {
            if (restarted) {
                // a new agent: the mirror, each frontend's service included, is read back from the maps
                writer = new MapWriter(maps.writerMaps(), true, 251);
                invariant.writerRestarted();
            }
            LbTable grown = table(a, clusterIp("b", "10.96.0.2", "10.244.1.1", "10.244.1.2", "10.244.1.3"));
            invariant.syncStarts(before, true, "b grows past the map's capacity" + (restarted ? " after a restart" : ""));
            SyncReport r = writer.apply(grown);
            assertEquals(List.of("Service t/b"), r.errors().stream().map(p -> p.object()).toList(), r.errors().toString());
            assertEquals(List.of(), invariant.violations());
            assertExactly(before);
        }
    }

    @Test
    void a_name_cut_at_127_bytes_is_read_back_without_failing_and_keeps_its_ids() {
        String longName = "n".repeat(63);
        LbEntry e = new LbEntry(new Frontend(ip("10.96.0.1"), 80, Protocol.TCP, Scope.EXTERNAL), FrontendType.CLUSTER_IP,
                ObjectRef.service("ns-" + "x".repeat(58), longName), "port-name-" + "p".repeat(5),
                List.of(new Backend(ip("10.244.0.1"), 8080, Protocol.TCP, Backend.State.READY, false, "", "", "")), 0, List.of(), false, false, 0);
        LbTable t = table(e);
        sync(t, "a Service whose name is cut in kpf_names");
        int rev = maps.svc4.get(ReaderInvariant.key(e.frontend())).revNatId();
        invariant.syncStarts(t, true, "a reconciling sync reads the maps back");
        assertEquals(List.of(), writer.reconcile(t).errors());
        assertExactly(t);
        assertEquals(rev, maps.svc4.get(ReaderInvariant.key(e.frontend())).revNatId(), "the same rev-NAT id: nothing rewritten");
        writer = new MapWriter(maps.writerMaps(), true, 251); // a restart reads them too
        invariant.writerRestarted();
        sync(t, "after a restart");
        assertExactly(t);
    }

    @Test
    void a_frontend_whose_two_entries_were_left_with_two_rev_nat_ids_is_not_cut_off_from_either() {
        Backend local = new Backend(ip("10.244.0.1"), 8080, Protocol.TCP, Backend.State.READY, true, "", "", "");
        Backend remote = new Backend(ip("10.244.0.2"), 8080, Protocol.TCP, Backend.State.READY, false, "", "", "");
        ObjectRef np = ObjectRef.service("t", "np");
        LbEntry external = new LbEntry(new Frontend(ip("10.200.0.1"), 30000, Protocol.TCP, Scope.EXTERNAL), FrontendType.NODE_PORT, np, "",
                List.of(local), 0, List.of(), true, false, 32000);
        LbEntry internal = new LbEntry(new Frontend(ip("10.200.0.1"), 30000, Protocol.TCP, Scope.INTERNAL), FrontendType.NODE_PORT, np, "",
                List.of(local, remote), 0, List.of(), true, false, 32000);
        LbTable t = table(external, internal);
        sync(t, "an externalTrafficPolicy Local NodePort");
        // the internal entry left on a second id of the same identity (an older agent, or a sync that failed midway)
        SvcKey ik = ReaderInvariant.key(internal.frontend());
        SvcValue iv = maps.svc4.get(ik);
        int second = 77;
        maps.revNat4.put(second, maps.revNat4.get(iv.revNatId()));
        maps.names.put(second, maps.names.get(iv.revNatId()));
        maps.svc4.put(ik, new SvcValue(iv.backendId(), iv.count(), second, iv.flags(), iv.affinityTimeout()));
        writer = new MapWriter(maps.writerMaps(), true, 251);
        invariant.writerRestarted();
        sync(t, "a restarted agent's first sync");
        assertExactly(t);
    }

    private static LbEntry dns(String... backends) {
        List<Backend> list = new ArrayList<>();
        for (String b : backends) list.add(new Backend(ip(b), 8053, Protocol.UDP, Backend.State.READY, false, "", "", ""));
        return new LbEntry(new Frontend(ip("10.96.0.53"), 53, Protocol.UDP, Scope.EXTERNAL), FrontendType.CLUSTER_IP,
                ObjectRef.service("t", "dns"), "", list, 0, List.of(), false, false, 0);
    }

    @Test
    void udp_backends_that_left_are_reported_once_and_only_when_the_maps_no_longer_list_them() {
        sync(table(dns("10.244.0.1", "10.244.0.2")), "dns");
        writer.takeGoneUdp();
        LbTable moved = table(dns("10.244.0.2", "10.244.0.3"));
        // the sync fails at its first syscall: nothing changed in the maps, nothing left
        kernel.faultRate(1.0);
        invariant.syncStarts(moved, true, "fails at once");
        assertFalse(writer.apply(moved).errors().isEmpty());
        kernel.faultRate(0);
        assertEquals(List.of(), writer.takeGoneUdp(), "10.244.0.1 is still listed");
        afterFailure = true;
        sync(moved, "the next sync");
        assertEquals(List.of(new GoneBackend(maps.svc4.get(ReaderInvariant.key(dns().frontend())).revNatId(), ip("10.244.0.1"), 8053)),
                writer.takeGoneUdp(), "then it has left");
        assertEquals(List.of(), writer.takeGoneUdp(), "reported once");
    }

    @Test
    void a_udp_backend_is_reported_as_gone_when_the_sync_fails_after_its_frontend_stopped_listing_it() {
        // how many write syscalls the change takes, on maps of its own
        FakeKernel probe = new FakeKernel(2);
        FakeMaps probeMaps = new FakeMaps(probe, Map.of());
        MapWriter probeWriter = new MapWriter(probeMaps.writerMaps(), true, 251);
        probeWriter.apply(table(dns("10.244.0.1")));
        long before = probe.syscalls();
        probeWriter.apply(table(dns("10.244.0.2")));
        long last = probe.syscalls() - 1; // the last delete: the old backend's entry, after the frontend switched

        sync(table(dns("10.244.0.1")), "dns");
        writer.takeGoneUdp();
        kernel.faultAt(kernel.syscalls() + (last - before));
        invariant.syncStarts(table(dns("10.244.0.2")), true, "fails at its last syscall");
        assertFalse(writer.apply(table(dns("10.244.0.2"))).errors().isEmpty(), "the injected fault hit this sync");
        assertEquals(List.of(ip("10.244.0.1")), writer.takeGoneUdp().stream().map(GoneBackend::address).toList(),
                "the frontend had switched: its sockets to the old backend are let go");
    }
}
