package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kpf's socket-level load balancer in the running kernel with real traffic: a client in a cgroup carrying the
 * programs and in a namespace where Service addresses exist nowhere reaches backends in another namespace.
 */
class SocketLbKernelIT {
    private static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();

    private TestNetwork net;
    private TemporaryCgroup cgroup;
    private PinDirectory pins;
    private BpfDatapath datapath;

    @BeforeEach
    void setUp() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("ip");
        KernelRequirement.requireCommand("nsenter");
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-" + ProcessHandle.current().pid()));
        cgroup = TemporaryCgroup.create("kpf-test-lb-" + ProcessHandle.current().pid());
        net = TestNetwork.create();
        net.startPeerServers(PEER);
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
        if (pins != null) BpfDatapath.cleanup(pins);
        if (net != null) net.close();
        if (cgroup != null) cgroup.close();
    }

    private static LbTable table(String yaml) {
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "test");
        ClusterState state = DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems()));
        LbTable t = new ServiceTranslator("node-a").translate(state);
        assertEquals(List.of(), t.problems());
        return t;
    }

    private static String cluster() throws Exception {
        return new String(Objects.requireNonNull(SocketLbKernelIT.class.getResourceAsStream("/socketlb-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Runs the peer client inside the test cgroup and the client namespace; returns its lines. */
    private List<String> client(String proto, int count, String addr, int port) throws Exception {
        return net.peerClient(cgroup.path(), PEER, proto, count, addr, port);
    }

    /** How a connect to a frontend without backends fails: ECONNREFUSED with bpf_set_retval (5.18), else EPERM. */
    static final String REFUSED = dev.kpf.probes.KernelRequirement.kernelAtLeast(5, 18) ? "ECONNREFUSED" : "EPERM";

    /** Answers (backend addresses) counted, with every line required to be ok and to show {@code peer}. */
    private static Map<String, Integer> answers(List<String> lines, String peer) {
        Map<String, Integer> counts = new HashMap<>();
        for (String l : lines) {
            assertTrue(l.startsWith("ok "), "connection failed: " + l);
            String[] f = l.split(" ");
            assertEquals("peer=" + peer, f[f.length - 1], l);
            counts.merge(f[1], 1, Integer::sum);
        }
        return counts;
    }

    private BpfDatapath open() {
        return BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()));
    }

    /**
     * Issue 16: kernels before 5.18 have no bpf_set_retval; the programs are loaded with it switched off in .rodata
     * (the verifier never sees the call) and a connect to a Service without backends fails with the hook's EPERM.
     */
    @Test
    void without_bpf_set_retval_a_frontend_without_backends_refuses_with_eperm_and_the_rest_translates() throws Exception {
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()).withSetRetval(false));
        assertEquals(List.of(), datapath.apply(table(cluster())).errors());
        assertEquals(List.of("err EPERM"), client("tcp", 1, "10.96.100.3", 80), "refused as on a kernel before 5.18");
        assertEquals(List.of("err EPERM"), client("tcp", 1, "::ffff:10.96.100.3", 80), "a dual-stack socket the same");
        assertTrue(datapath.describe().contains("fail with EPERM"), datapath.describe());
        assertEquals(20, answers(client("tcp", 20, "10.96.100.1", 80), "10.96.100.1:80").values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void a_vip_that_exists_nowhere_reaches_every_backend_and_looks_like_the_peer() throws Exception {
        datapath = open();
        LbTable desired = table(cluster());
        SyncReport report = datapath.apply(desired);
        assertEquals(List.of(), report.errors());

        Map<String, Integer> tcp = answers(client("tcp", 1000, "10.96.100.1", 80), "10.96.100.1:80");
        assertEquals(3, tcp.size(), "1000 connections use every backend: " + tcp);
        tcp.values().forEach(n -> assertTrue(n > 200, "random slots spread connections: " + tcp));

        Map<String, Integer> v6 = answers(client("tcp", 300, "fd00:96::100", 80), "[fd00:96::100]:80");
        assertEquals(3, v6.size(), "IPv6 the same: " + v6);
        assertTrue(v6.keySet().stream().allMatch(a -> a.startsWith("[fd00:203::")), v6.toString());

        Map<String, Integer> mapped = answers(client("tcp", 300, "::ffff:10.96.100.1", 80), "[::ffff:10.96.100.1]:80");
        assertEquals(3, mapped.size(), "dual-stack sockets reaching the IPv4 VIP as ::ffff:a.b.c.d (as Java's do) too: " + mapped);

        Map<String, Integer> udp = answers(client("udp", 200, "10.96.100.2", 53), "10.96.100.2:53");
        Map<String, Integer> udpMapped = answers(client("udp", 50, "::ffff:10.96.100.2", 53), "[::ffff:10.96.100.2]:53");
        assertEquals(2, udpMapped.size(), "and their UDP replies come from the mapped VIP: " + udpMapped);
        Map<String, Integer> udp6 = answers(client("udp", 100, "fd00:96::53", 53), "[fd00:96::53]:53");
        assertEquals(2, udp6.size(), "UDP over IPv6 the same: " + udp6);
        assertEquals(2, udp.size(), "unconnected UDP is translated per datagram, replies come from the VIP: " + udp);

        assertEquals(List.of("err " + REFUSED), client("tcp", 1, "10.96.100.3", 80), "no backends: refused at once");
        Map<String, Integer> sticky = answers(client("tcp", 50, "10.96.100.4", 80), "10.96.100.4:80");
        assertEquals(1, sticky.size(), "ClientIP affinity pins the client: " + sticky);
        Map<String, Integer> direct = answers(client("tcp", 3, "10.203.0.3", 8080), "10.203.0.3:8080");
        assertEquals(Map.of("10.203.0.3:8080", 3), direct, "addresses that are not frontends are left alone");

        LbTable programmed = datapath.readBack();
        assertEquals(lines(desired), lines(programmed), "what is read back from the maps is what was desired");
        Counters counted = datapath.counters();
        assertEquals(1000 + 300, counted.frontend(desired.entries().keySet().stream().filter(f -> f.port() == 80 && f.address().getHostAddress().equals("10.96.100.1")
                && f.protocol() == dev.kpf.dataplane.model.Protocol.TCP).findFirst().orElseThrow()).connects(),
                "every connect counted on its frontend: 1,000 to the VIP and 300 to its IPv4-mapped form");
        long onBackends = tcp.keySet().stream().mapToLong(a -> counted.backends().entrySet().stream()
                .filter(e -> e.getKey().startsWith(a) && e.getKey().endsWith("/TCP")).mapToLong(e -> e.getValue().connects()).sum()).sum();
        assertTrue(onBackends >= 1000, "and on the backends they went to (which later tests share): " + counted.backends());
    }

    @Test
    void a_removed_endpoint_gets_no_new_connections() throws Exception {
        datapath = open();
        String yaml = cluster();
        datapath.apply(table(yaml));
        assertEquals(3, answers(client("tcp", 100, "10.96.100.1", 80), "10.96.100.1:80").size(), "every backend has counts");
        String without = yaml.replace("- addresses: [10.203.0.4]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6", "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6");
        assertTrue(!without.equals(yaml), "the test removes one endpoint");
        SyncReport r = datapath.apply(table(without));
        assertEquals(1, r.frontendsWritten(), "one frontend changed");
        Map<String, Integer> after = answers(client("tcp", 300, "10.96.100.1", 80), "10.96.100.1:80");
        assertEquals(2, after.size(), after.toString());
        assertFalse(after.containsKey("10.203.0.4:8080"));
        assertCountersOnlyForProgrammedIds();
    }

    /** Counters leave with their ids: a backend or frontend that gets a freed id starts from zero. */
    private void assertCountersOnlyForProgrammedIds() {
        try (var stats = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.STATS), Codecs.STAT_KEY,
                Codecs.statValues(dev.kpf.probes.bpf.Libbpf.possibleCpus()));
             var b4 = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), dev.kpf.probes.bpf.MapCodec.u32(), Codecs.backend(4));
             var r4 = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.REVNAT4), dev.kpf.probes.bpf.MapCodec.u32(), Codecs.revNat(4))) {
            java.util.Set<Integer> backends = b4.entries().keySet(), revNats = r4.entries().keySet();
            for (long[] k : stats.keys()) {
                if ((k[1] & MapLayout.STAT_V6_BIT & 0xffffffffL) != 0) continue;
                java.util.Set<Integer> ids = k[0] == MapLayout.STAT_BACKEND ? backends : revNats;
                assertTrue(ids.contains((int) k[1]), "counter " + k[0] + "/" + k[1] + " outlived its id");
            }
        }
    }

    @Test
    void applying_only_the_diff_of_a_change_gives_the_same_maps_as_a_full_apply() throws Exception {
        datapath = open();
        String yaml = cluster();
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "test");
        dev.kpf.dataplane.lb.IncrementalTranslator incremental = new dev.kpf.dataplane.lb.IncrementalTranslator(new ServiceTranslator("node-a"));
        incremental.load(DirectoryLoader.decode(parsed.documents(), new ArrayList<>()));
        incremental.sync();
        datapath.apply(incremental.table());
        String changed = yaml.replace("metadata: {name: dns, namespace: t}\nspec:\n  clusterIP: 10.96.100.2", "metadata: {name: dns, namespace: t}\nspec:\n  clusterIP: 10.96.100.9")
                .replace("- addresses: [10.203.0.4]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6", "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6");
        YamlDocuments.Parsed next = YamlDocuments.parse(changed, "test");
        incremental.load(DirectoryLoader.decode(next.documents(), new ArrayList<>()));
        dev.kpf.dataplane.lb.LbDiff diff = incremental.sync();
        assertEquals(1, diff.added().size(), diff.describe().toString());
        assertEquals(1, diff.removed().size());
        SyncReport r = datapath.applyChanges(diff);
        assertEquals(List.of(), r.errors());
        assertEquals(lines(table(changed)), lines(datapath.readBack()));
        assertEquals(2, answers(client("udp", 20, "10.96.100.9", 53), "10.96.100.9:53").size(), "the moved frontend serves");
        assertEquals(List.of("err ENETUNREACH"), client("tcp", 1, "10.96.100.2", 53), "the old frontend is gone");
        assertFalse(answers(client("tcp", 100, "10.96.100.1", 80), "10.96.100.1:80").containsKey("10.203.0.4:8080"));
    }

    @Test
    void a_restarted_datapath_adopts_the_pins_and_its_first_sync_changes_nothing() throws Exception {
        LbTable desired = table(cluster());
        datapath = open();
        datapath.apply(desired);
        datapath.close();
        datapath = null;
        // nothing of ours holds the programs now: pinned links keep them attached
        assertEquals(3, answers(client("tcp", 100, "10.96.100.1", 80), "10.96.100.1:80").size());
        datapath = open();
        assertTrue(datapath.adopted());
        assertEquals(lines(desired), lines(datapath.readBack()));
        SyncReport again = datapath.apply(desired);
        assertTrue(again.changedNothing(), "nothing changed, nothing written: " + again);
        assertEquals(3, answers(client("tcp", 100, "10.96.100.1", 80), "10.96.100.1:80").size());
        assertEquals(2L, datapath.generation().orElseThrow(), "the second agent generation");

        datapath.close();
        datapath = null;
        List<String> removed = BpfDatapath.cleanup(pins);
        assertTrue(removed.stream().anyMatch(r -> r.startsWith("link connect4")), removed.toString());
        assertFalse(Files.exists(pins.root()));
        assertEquals(List.of("err ENETUNREACH"), client("tcp", 1, "10.96.100.1", 80), "after cleanup the VIP is unrouted again");
    }

    @Test
    void pinned_maps_of_another_layout_version_are_refused_with_the_fix() throws Exception {
        datapath = open();
        datapath.close();
        datapath = null;
        try (var meta = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.META), dev.kpf.probes.bpf.MapCodec.u32(), dev.kpf.probes.bpf.MapCodec.u64())) {
            meta.update(MapLayout.META_LAYOUT, 99L);
        }
        DatapathException e = org.junit.jupiter.api.Assertions.assertThrows(DatapathException.class, this::open);
        assertTrue(e.getMessage().contains("have layout version 99 but this kpf writes version " + MapLayout.VERSION), e.getMessage());
        assertTrue(e.getMessage().contains("kpf agent --cleanup"), e.getMessage());
        assertTrue(Files.exists(pins.path(MapLayout.SVC4)), "the other version's pins are left alone, not mixed or deleted");
    }

    @Test
    void a_service_that_does_not_fit_is_reported_and_the_rest_is_programmed() throws Exception {
        // services are written in name order: dns (1 + 2 slots), empty (1), sticky (1 + 3) fill 8 entries; web does not fit
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of(MapLayout.SVC4, 8)));
        SyncReport r = datapath.apply(table(cluster()));
        assertEquals(1, r.errors().size(), r.errors().toString());
        assertEquals("Service t/web", r.errors().getFirst().object());
        assertTrue(r.errors().getFirst().message().startsWith("map kpf_svc4 is full (8 of 8 entries used, 4 more needed): not programmed"),
                r.errors().toString());
        assertTrue(datapath.readBack().entries().values().stream().noneMatch(e -> e.frontend().toString().startsWith("10.96.100.1:")),
                "nothing of web is half-written in the IPv4 map");
        assertEquals(1, answers(client("tcp", 20, "10.96.100.4", 80), "10.96.100.4:80").size(), "what fits is served");
        assertEquals(List.of("err ENETUNREACH"), client("tcp", 1, "10.96.100.1", 80), "web is not programmed at all");
    }

    private static String lines(LbTable t) {
        List<String> out = new ArrayList<>();
        for (LbEntry e : t.entries().values()) {
            out.add(e.frontend() + " " + e.servicePortName() + " affinity=" + e.affinityTimeoutSeconds() + " -> "
                    + e.backends().stream().map(b -> b.address().getHostAddress() + ":" + b.port()).sorted().toList());
        }
        return String.join("\n", out);
    }
}
