package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The programs' side of issue 14, in the running kernel. ClientIP affinity never outlives the backend's place in its
 * Service: a client remembered for x is sent to a current backend of x, not to a pod that left x and stays in y,
 * and not to another Service's pod that took the id x's backend had. A two-scope frontend half written serves.
 */
class ChurnRegressionKernelIT {
    private SocketLbTestbed bed;
    private BpfDatapath datapath;

    @BeforeEach
    void setUp() throws Exception {
        bed = SocketLbTestbed.create("churn");
        datapath = bed.datapath;
    }

    @AfterEach
    void tearDown() {
        if (bed != null) bed.close();
    }

    /** The backends (ADDR:PORT) that answered {@code count} TCP connects from the client to {@code vip}:80. */
    private List<String> connect(String vip, int count) throws Exception {
        return bed.client("tcp", count, vip, 80).stream().map(l -> l.split(" ")[1]).distinct().sorted().toList();
    }

    private static LbEntry x(String... backends) {
        return TestTables.entry("x", "10.96.100.10", 80, Protocol.TCP, 10800, 8080, backends);
    }

    private static LbEntry y(String... backends) {
        return TestTables.entry("y", "10.96.100.11", 80, Protocol.TCP, 0, 8080, backends);
    }

    @Test
    void a_client_pinned_to_a_backend_that_left_its_service_but_stays_in_another_moves_to_a_current_one() throws Exception {
        datapath.apply(TestTables.table(x("10.203.0.2"), y("10.203.0.3")));
        assertEquals(List.of("10.203.0.2:8080"), connect("10.96.100.10", 5), "the client is pinned to x's backend");
        datapath.apply(TestTables.table(x("10.203.0.2"), y("10.203.0.3", "10.203.0.2"))); // y gains x's pod (same backend id)
        datapath.apply(TestTables.table(x("10.203.0.4"), y("10.203.0.3", "10.203.0.2"))); // then it leaves x
        assertEquals(List.of("10.203.0.4:8080"), connect("10.96.100.10", 20), "x's client goes to x's backend only");
    }

    /**
     * While a sync writes an externalTrafficPolicy: Local frontend, its external entry may say "two scopes" before the
     * internal one exists (or after it went): connects from the node then use the external entry's own slots instead
     * of looking for slots of the missing internal one and leaving the connection untranslated.
     */
    @Test
    void a_two_scope_frontend_whose_internal_entry_is_missing_serves_with_its_external_one() throws Exception {
        java.net.InetAddress node = java.net.InetAddress.getByName("10.96.100.20");
        dev.kpf.dataplane.lb.Backend local = new dev.kpf.dataplane.lb.Backend(java.net.InetAddress.getByName("10.203.0.2"), 8080, Protocol.TCP,
                dev.kpf.dataplane.lb.Backend.State.READY, true, "", "", "");
        dev.kpf.dataplane.lb.Backend remote = new dev.kpf.dataplane.lb.Backend(java.net.InetAddress.getByName("10.203.0.3"), 8080, Protocol.TCP,
                dev.kpf.dataplane.lb.Backend.State.READY, false, "", "", "");
        dev.kpf.dataplane.model.ObjectRef np = dev.kpf.dataplane.model.ObjectRef.service("t", "np");
        LbEntry external = new LbEntry(new dev.kpf.dataplane.lb.Frontend(node, 80, Protocol.TCP, dev.kpf.dataplane.lb.Scope.EXTERNAL),
                dev.kpf.dataplane.lb.FrontendType.NODE_PORT, np, "", List.of(local), 0, List.of(), true, false, 32000);
        LbEntry internal = new LbEntry(new dev.kpf.dataplane.lb.Frontend(node, 80, Protocol.TCP, dev.kpf.dataplane.lb.Scope.INTERNAL),
                dev.kpf.dataplane.lb.FrontendType.NODE_PORT, np, "", List.of(local, remote), 0, List.of(), true, false, 32000);
        datapath.apply(TestTables.table(external, internal));
        assertEquals(List.of("10.203.0.2:8080", "10.203.0.3:8080"), connect("10.96.100.20", 100), "from the node: every backend");
        try (var svc4 = dev.kpf.probes.bpf.BpfMap.openPinned(bed.pins.path(MapLayout.SVC4), Codecs.svcKey(4), Codecs.SVC_VALUE)) {
            // the internal entry and its slots are not there (a write that failed before them, or one removing them)
            for (int slot = 0; slot <= 2; slot++) svc4.delete(new SvcKey(node, 80, Protocol.TCP.number, MapLayout.SCOPE_INTERNAL, slot));
        }
        assertEquals(List.of("10.203.0.2:8080"), connect("10.96.100.20", 20), "the external entry serves meanwhile");
    }

    @Test
    void a_client_pinned_to_a_backend_whose_id_another_service_took_moves_to_a_current_one() throws Exception {
        datapath.apply(TestTables.table(x("10.203.0.2"), y("10.203.0.3")));
        assertEquals(List.of("10.203.0.2:8080"), connect("10.96.100.10", 5));
        datapath.apply(TestTables.table(x("10.203.0.3"), y("10.203.0.3", "10.203.0.4")));
        assertEquals(List.of("10.203.0.3:8080"), connect("10.96.100.10", 20), "x's client goes to x's backend only");
    }
}
