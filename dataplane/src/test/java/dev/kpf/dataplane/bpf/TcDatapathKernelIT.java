package dev.kpf.dataplane.bpf;

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

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kpf's tc datapath in the running kernel with real traffic from outside the node: a client namespace reaches
 * NodePort, ExternalIP and LoadBalancer frontends of a "node" namespace and gets answers from backends in two
 * more namespaces (one on this node, one "remote"). Every TCP connection that completes carried all its packets
 * to one backend and back (a per-packet choice would break the handshake), so flows stick.
 */
class TcDatapathKernelIT {
    private static final Path PEER = TcTestbed.PEER;
    private static final String SNAT = TcTestbed.SNAT;
    private TcTestbed bed;
    private TcTopology net;
    private TemporaryCgroup cgroup;
    private PinDirectory pins;
    private BpfDatapath datapath;

    @BeforeEach
    void setUp() throws Exception {
        bed = TcTestbed.create("tc");
        net = bed.net;
        cgroup = bed.cgroup;
        pins = bed.pins;
        datapath = BpfDatapath.open(bed.options());
        assertEquals(List.of(), datapath.apply(table()).errors());
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
        if (bed != null) bed.close();
    }

    private static LbTable table() throws Exception {
        return TcTestbed.table();
    }

    private List<String> client(String proto, int count, String addr, int port) throws Exception {
        return bed.client(proto, count, addr, port);
    }

    private static Map<String, Integer> answers(List<String> lines, String peer, String fromRegex) {
        return TcTestbed.answers(lines, peer, fromRegex);
    }

    @Test
    void nodeport_externalip_and_loadbalancer_reach_both_backends_through_snat_and_replies_come_from_the_frontend() throws Exception {
        Map<String, Integer> nodePort = answers(client("tcp", 200, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT);
        assertEquals(2, nodePort.size(), "a local and a remote backend: " + nodePort);
        nodePort.values().forEach(n -> assertTrue(n > 40, "random backends: " + nodePort));

        Map<String, Integer> external = answers(client("tcp", 50, "198.51.100.10", 80), "198.51.100.10:80", SNAT);
        assertEquals(2, external.size(), external.toString());
        Map<String, Integer> lb = answers(client("tcp", 50, "198.51.100.20", 80), "198.51.100.20:80", SNAT);
        assertEquals(2, lb.size(), lb.toString());

        Map<String, Integer> udp = answers(client("udp", 100, TcTopology.NODE_IP, 30053), "10.110.0.1:30053", SNAT);
        assertEquals(Map.of("10.111.0.2:8053", udp.getOrDefault("10.111.0.2:8053", 0), "10.112.0.2:8053", udp.getOrDefault("10.112.0.2:8053", 0)), udp);
        assertEquals(2, udp.size(), "UDP too: " + udp);

        Counters counted = datapath.counters();
        long onBackends = counted.backends().entrySet().stream().filter(e -> e.getKey().endsWith(":8080/TCP")).mapToLong(e -> e.getValue().connects()).sum();
        assertEquals(300, onBackends, "one count per TCP flow, not per packet: " + counted.backends());
    }

    @Test
    void a_backend_removed_from_the_table_gets_no_new_flows() throws Exception {
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());
        String yaml = new String(Objects.requireNonNull(TcDatapathKernelIT.class.getResourceAsStream("/tc-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8)
                .replace("- {addresses: [10.112.0.2], nodeName: node-b}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: local", "---\napiVersion: v1\nkind: Service\nmetadata: {name: local");
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "tc-cluster.yaml");
        LbTable without = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems())));
        assertEquals(List.of(), datapath.apply(without).errors());
        assertEquals(Map.of("10.111.0.2:8080", 100), answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT));
    }

    @Test
    void without_tcx_clsact_filters_serve_the_same_traffic_and_restarts_replace_their_programs_under_load() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TcTestbed.tcx(), "it starts from tcx links (kernel 6.6)");
        // what an agent on a kernel older than 6.6 does: the tc programs as clsact filters instead of tcx links; it
        // takes over from the tcx agent of setUp, whose links go
        datapath.close();
        List<Device> devices = net.nodeDevices.stream().map(d -> new Device(net.nodeNamespace(), d)).toList();
        BpfDatapath.Options clsact = new BpfDatapath.Options(pins, cgroup.path(), Map.of(), devices, InetAddress.getByName(TcTopology.NODE_IP),
                false, InetAddress.getByName(TcTopology.NODE_IP6), dev.kpf.dataplane.lb.Maglev.M, true);
        datapath = BpfDatapath.open(clsact);
        assertEquals("clsact", datapath.tcAttach(), "what /v1/status and agent.health show");
        assertTrue(datapath.describe().contains("(tc, clsact filters)"), datapath.describe());
        assertEquals(List.of(), datapath.apply(table()).errors());
        for (String dev : net.nodeDevices) {
            String filters = TcTopology.run("ip", "netns", "exec", net.node, "tc", "filter", "show", "dev", dev, "ingress")
                    + TcTopology.run("ip", "netns", "exec", net.node, "tc", "filter", "show", "dev", dev, "egress");
            assertTrue(filters.contains("kpf_tc_ingress") && filters.contains("kpf_tc_egress") && filters.contains("direct-action"), filters);
        }
        assertFalse(Files.exists(pins.path(MapLayout.LINKS + "/" + devices.getFirst().linkPin(true))), "no tcx links");
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());

        TcTestbed.Load load = bed.load(TcTopology.NODE_IP, 30080);
        Thread.sleep(300);
        for (int i = 0; i < 2; i++) {
            Thread.sleep(150);
            datapath.close();
            datapath = BpfDatapath.open(clsact);
            assertTrue(datapath.adopted(), "the filters were there: their programs are replaced");
            assertEquals(List.of(), datapath.apply(table()).errors());
        }
        assertTrue(load.running(), "the client was connecting all along");
        List<String> lines = load.stop();
        assertEquals("", TcTestbed.Load.failures(lines), "no connection failed across two restarts");
        assertTrue(lines.size() >= 1000, lines.size() + " connections");

        // and back to tcx links (a kernel upgrade): the filters go, one attachment per device again
        datapath.close();
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of(), devices, InetAddress.getByName(TcTopology.NODE_IP)));
        assertTrue(Files.exists(pins.path(MapLayout.LINKS + "/" + devices.getFirst().linkPin(true))));
        assertEquals("tcx", datapath.tcAttach());
        for (String dev : net.nodeDevices) {
            assertEquals("", TcTopology.run("ip", "netns", "exec", net.node, "tc", "filter", "show", "dev", dev, "ingress").strip());
        }
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());
        assertEquals(List.of(), TcAttachment.detachFilters(pins, devices), "nothing left to detach");
    }

    @Test
    void a_legacy_ingress_qdisc_is_named_instead_of_being_mistaken_for_clsact() throws Exception {
        datapath.close();
        datapath = null;
        String first = net.nodeDevices.getFirst();
        // a node whose interface never had kpf's clsact (on kernels without tcx, setUp's datapath made one)
        BpfDatapath.cleanup(pins);
        if (!TcTestbed.tcx()) TcTopology.run("ip", "netns", "exec", net.node, "tc", "qdisc", "del", "dev", first, "clsact");
        TcTopology.run("ip", "netns", "exec", net.node, "tc", "qdisc", "add", "dev", first, "ingress");
        List<Device> devices = net.nodeDevices.stream().map(d -> new Device(net.nodeNamespace(), d)).toList();
        DatapathException e = org.junit.jupiter.api.Assertions.assertThrows(DatapathException.class, () -> BpfDatapath.open(new BpfDatapath.Options(pins,
                cgroup.path(), Map.of(), devices, InetAddress.getByName(TcTopology.NODE_IP), false, null, dev.kpf.dataplane.lb.Maglev.M, true)));
        assertTrue(e.getMessage().contains(first + " has a legacy ingress qdisc where kpf needs clsact: remove it (tc qdisc del dev " + first
                + " ingress)"), e.getMessage());
    }

    @Test
    void an_agent_restart_under_external_load_fails_no_connection() throws Exception {
        TcTestbed.Load load = bed.load(TcTopology.NODE_IP, 30080);
        Thread.sleep(300);
        for (int i = 0; i < 3; i++) {
            Thread.sleep(150);
            assertTrue(load.running(), "the restarts happen while the client is connecting");
            // what an agent restart does: the old one goes (its pins stay), a new one adopts maps, links and conntrack
            datapath.close();
            datapath = BpfDatapath.open(bed.options());
            assertTrue(datapath.describe().contains("adopted"), datapath.describe());
            assertEquals(List.of(), datapath.apply(table()).errors());
        }
        assertTrue(load.running(), "the client was connecting all along");
        List<String> lines = load.stop();
        assertEquals("", TcTestbed.Load.failures(lines), "no connection failed across three restarts");
        assertTrue(lines.size() >= 1000, lines.size() + " connections");
    }

    @Test
    void a_device_made_again_under_its_name_is_served_again_after_an_agent_restart() throws Exception {
        assertEquals(2, answers(client("tcp", 50, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());
        datapath.close(); // the agent stops; its pins stay
        datapath = null;
        String device = net.nodeDevices.get(0);
        int before = dev.kpf.probes.bpf.NetNamespace.call(net.nodeNamespace(), () -> dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device));
        net.remakeClientLink();
        int after = dev.kpf.probes.bpf.NetNamespace.call(net.nodeNamespace(), () -> dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device));
        assertTrue(before != after, "a new interface under the old name: " + before + " -> " + after);

        datapath = BpfDatapath.open(bed.options());
        assertEquals(List.of(), datapath.apply(table()).errors());
        Map<String, Integer> nodePort = answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT);
        assertEquals(2, nodePort.size(), "the new interface is translated again: " + nodePort);
        assertEquals(100, nodePort.values().stream().mapToInt(Integer::intValue).sum(), nodePort.toString());
        // and again: the links made for the new interface are adopted like any others
        datapath.close();
        datapath = BpfDatapath.open(bed.options());
        assertEquals(List.of(), datapath.apply(table()).errors());
        assertEquals(2, answers(client("tcp", 50, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());
    }

    @Test
    void a_device_renamed_while_another_takes_its_name_loses_kpfs_programs_to_the_new_one() throws Exception {
        // clsact filters left on an interface no longer wanted are looked for in the agent's own network namespace
        // (the host's, for a real agent), not in this test's node namespace
        org.junit.jupiter.api.Assumptions.assumeTrue(TcTestbed.tcx(), "it checks tcx links (kernel 6.6)");
        datapath.close(); // the agent stops; its pins stay
        datapath = null;
        String device = net.nodeDevices.get(0), renamed = "nr" + ProcessHandle.current().pid();
        // older kernels (5.10 in the matrix) rename only an interface that is down: EBUSY otherwise
        TcTopology.run("ip", "-n", net.node, "link", "set", device, "down");
        TcTopology.run("ip", "-n", net.node, "link", "set", device, "name", renamed);
        TcTopology.run("ip", "-n", net.node, "link", "set", renamed, "up");
        TcTopology.run("ip", "-n", net.node, "link", "add", device, "type", "veth", "peer", "name", "np" + ProcessHandle.current().pid());
        TcTopology.run("ip", "-n", net.node, "link", "set", device, "up");
        // the client still reaches the node through the renamed device, which still has the earlier agent's programs
        assertEquals(2, answers(client("tcp", 40, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size());

        datapath = BpfDatapath.open(bed.options());
        assertEquals(List.of(), datapath.apply(table()).errors());
        List<String> untranslated = client("tcp", 20, TcTopology.NODE_IP, 30080);
        assertTrue(untranslated.stream().allMatch(l -> l.contains("ECONNREFUSED")),
                "nothing of kpf's is left on the device that lost the name: the node itself refuses " + untranslated);
        {
            int index = dev.kpf.probes.bpf.NetNamespace.call(net.nodeNamespace(), () -> dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device));
            Device named = new Device(net.nodeNamespace(), device);
            for (boolean ingress : new boolean[] {true, false}) {
                try (dev.kpf.probes.bpf.BpfLink link = dev.kpf.probes.bpf.BpfLink.openPinned(pins.path(MapLayout.LINKS + "/" + named.linkPin(ingress)))) {
                    assertEquals(index, link.interfaceIndex(), "the device's links are on the interface that has its name now");
                }
            }
        }
    }

    @Test
    void load_balancer_source_ranges_admit_clients_inside_and_drop_the_others() throws Exception {
        assertEquals(Map.of("10.112.0.2:8080", 20), answers(client("tcp", 20, "198.51.100.30", 80), "198.51.100.30:80", SNAT),
                "10.110.0.2 is inside 10.110.0.0/24");
        List<String> blocked = client("tcp", 1, "198.51.100.31", 80);
        assertTrue(blocked.getFirst().startsWith("err "), "10.110.0.2 is in neither 192.0.2.0/24 nor 10.110.0.128/25: dropped: " + blocked);
        assertEquals(Map.of("10.112.0.2:8080", 5), answers(client("tcp", 5, TcTopology.NODE_IP, 30086), "10.110.0.1:30086", SNAT),
                "the ranges apply to the load balancer IPs, not to the NodePort");
    }

    @Test
    void with_maglev_external_flows_pick_backends_from_each_frontends_table() throws Exception {
        datapath.close();
        BpfDatapath.cleanup(pins); // another table size is another map layout: pinned maps of the old one are not reused
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of(),
                net.nodeDevices.stream().map(d -> new Device(net.nodeNamespace(), d)).toList(), InetAddress.getByName(TcTopology.NODE_IP), true,
                InetAddress.getByName(TcTopology.NODE_IP6), 4093, !TcTestbed.tcx()));
        // a table larger than the compiled-in default: the map's value size and the programs' constant follow the option
        assertEquals(List.of(), datapath.apply(table()).errors());
        Map<String, Integer> spread = answers(client("tcp", 200, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT);
        assertEquals(2, spread.size(), "flows hash over the table's two backends: " + spread);
        Map<String, Integer> spread6 = answers(client("tcp", 100, TcTopology.NODE_IP6, 30090), "[fd00:110::1]:30090", "\\[fd00:110::1\\]:\\d+");
        assertEquals(2, spread6.size(), "IPv6 flows hash over the same kind of table: " + spread6);
        try (var tables = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.MAGLEV4), dev.kpf.probes.bpf.MapCodec.u32(), Codecs.maglev(4093));
             var backends = dev.kpf.probes.bpf.BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), dev.kpf.probes.bpf.MapCodec.u32(), Codecs.backend(4))) {
            Map<Integer, int[]> all = tables.entries();
            assertTrue(all.size() >= 4, "NodePort, ExternalIP and LoadBalancer frontends have tables; ClusterIPs none: " + all.size());
            Map<String, Integer> owners = new HashMap<>();
            for (int[] t : all.values()) {
                assertEquals(4093, t.length);
                for (int id : t) owners.merge(backends.entries().get(id).address().toString(), 1, Integer::sum);
            }
            assertTrue(owners.keySet().containsAll(List.of(TcTopology.BACKEND1, TcTopology.BACKEND2)), owners.toString());
        }
    }

    /**
     * Issue 15: with only the client-facing device given (what --devices auto picks), replies of SNATed flows come back
     * on the interfaces the backends are reached through (here the node's veths to them, as to a pod on the node or a
     * second NIC): the ingress program goes there too, for replies only.
     */
    @Test
    void with_only_the_client_facing_device_replies_from_backends_behind_other_interfaces_are_translated() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TcTestbed.tcx(), "it checks tcx link pins (kernel 6.6); TcPlacementKernelIT covers the traffic");
        Device client = new Device(net.nodeNamespace(), net.nodeDevices.get(0));
        datapath.setDevices(List.of(client), InetAddress.getByName(TcTopology.NODE_IP));
        assertEquals(List.of(net.nodeDevices.get(0)), datapath.devices());
        assertEquals(List.of(net.nodeDevices.get(1), net.nodeDevices.get(2)), datapath.replyDevices(), "the interfaces toward the backends");
        Device toBackend1 = new Device(net.nodeNamespace(), net.nodeDevices.get(1));
        assertTrue(Files.exists(pins.path(MapLayout.LINKS + "/" + toBackend1.linkPin(true))), "ingress for replies");
        assertFalse(Files.exists(pins.path(MapLayout.LINKS + "/" + toBackend1.linkPin(false))), "no egress there");
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size(), "NodePort, both backends");
        assertEquals(2, answers(client("tcp", 50, "198.51.100.10", 80), "198.51.100.10:80", SNAT).size(), "ExternalIP");
        assertEquals(2, answers(client("udp", 100, TcTopology.NODE_IP, 30053), "10.110.0.1:30053", SNAT).size(), "UDP");
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP6, 30090), "[fd00:110::1]:30090", "\\[fd00:110::1\\]:\\d+").size(), "IPv6");
        assertEquals(Map.of("10.111.0.2:8080", 20), answers(client("tcp", 20, TcTopology.NODE_IP, 30081), "10.110.0.1:30081", "10\\.110\\.0\\.2:\\d+"),
                "externalTrafficPolicy Local keeps the client address");
    }

    @Test
    void devices_can_change_while_running_and_a_device_left_out_keeps_translating_replies_only() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TcTestbed.tcx(), "it checks tcx link pins (kernel 6.6)");
        Device client = new Device(net.nodeNamespace(), net.nodeDevices.get(0));
        Device toBackend1 = new Device(net.nodeNamespace(), net.nodeDevices.get(1));
        Device toBackend2 = new Device(net.nodeNamespace(), net.nodeDevices.get(2));
        InetAddress snat = InetAddress.getByName(TcTopology.NODE_IP);
        datapath.setDevices(List.of(client, toBackend1), snat);
        assertEquals(List.of(net.nodeDevices.get(0), net.nodeDevices.get(1)), datapath.devices());
        assertEquals(List.of(net.nodeDevices.get(2)), datapath.replyDevices(), "backend 2 is reached through it");
        assertFalse(Files.exists(pins.path(MapLayout.LINKS + "/" + toBackend2.linkPin(false))), "its egress link is detached and unpinned");
        assertTrue(Files.exists(pins.path(MapLayout.LINKS + "/" + toBackend2.linkPin(true))), "its ingress link stays, for replies");
        // the "allowed" load balancer's only backend is backend 2: its replies are translated where they arrive
        assertEquals(Map.of("10.112.0.2:8080", 5), answers(client("tcp", 5, "198.51.100.30", 80), "198.51.100.30:80", SNAT));
        assertEquals(Map.of("10.111.0.2:8080", 20), answers(client("tcp", 20, TcTopology.NODE_IP, 30081), "10.110.0.1:30081", "10\\.110\\.0\\.2:\\d+"),
                "backend 1 still is");
        datapath.setDevices(List.of(client, toBackend1, toBackend2), snat);
        assertEquals(List.of(), datapath.replyDevices(), "all three are devices again");
        assertTrue(Files.exists(pins.path(MapLayout.LINKS + "/" + toBackend2.linkPin(false))));
        assertEquals(2, answers(client("tcp", 100, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", SNAT).size(), "all three again");
        assertEquals(Map.of("10.112.0.2:8080", 5), answers(client("tcp", 5, "198.51.100.30", 80), "198.51.100.30:80", SNAT));
    }

    @Test
    void an_icmp_error_about_a_translated_flow_reaches_the_client_as_about_its_own_packet() throws Exception {
        // the backend's port unreachable goes to the node; translated back, the client's connected socket gets ECONNREFUSED
        assertEquals(List.of("err ECONNREFUSED"), client("udpc", 1, TcTopology.NODE_IP, 30087));
        assertEquals("ok", client("udpc", 1, TcTopology.NODE_IP, 30053).getFirst().substring(0, 2), "a listening backend answers the same kind of socket");
        assertEquals(List.of("err ECONNREFUSED"), client("udpc", 1, TcTopology.NODE_IP6, 30093), "ICMPv6 the same");
        assertEquals(List.of("err ECONNREFUSED"), client("udpc", 1, TcTopology.NODE_IP, 30094),
                "without SNAT (externalTrafficPolicy Local) the error travels to the client directly and is translated on the way");
    }

    @Test
    void an_ipv6_nodeport_reaches_both_backends_through_snat_and_replies_come_from_the_frontend() throws Exception {
        Map<String, Integer> v6 = answers(client("tcp", 100, TcTopology.NODE_IP6, 30090), "[fd00:110::1]:30090",
                "\\[fd00:110::1\\]:([2-9]\\d{3}|[12]\\d{4}|3[01]\\d{3}|32[0-6]\\d{2}|327[0-6]\\d|1[0-9]{3})");
        assertEquals(Map.of("[fd00:111::2]:8080", v6.getOrDefault("[fd00:111::2]:8080", 0), "[fd00:112::2]:8080", v6.getOrDefault("[fd00:112::2]:8080", 0)), v6);
        assertEquals(2, v6.size(), "both IPv6 backends: " + v6);

        String snat6 = "\\[fd00:110::1\\]:\\d+";
        assertEquals(Map.of("[fd00:112::2]:8080", 10), answers(client("tcp", 10, "2001:db8:30::1", 80), "[2001:db8:30::1]:80", snat6),
                "fd00:110::2 is inside fd00:110::/64");
        assertTrue(client("tcp", 1, "2001:db8:30::2", 80).getFirst().startsWith("err "), "outside 2001:db8:99::/48 (the IPv4 range does not count): dropped");
    }

    @Test
    void external_traffic_policy_local_keeps_the_client_address_and_uses_only_the_local_backend() throws Exception {
        Map<String, Integer> local = answers(client("tcp", 100, TcTopology.NODE_IP, 30081), "10.110.0.1:30081", "10\\.110\\.0\\.2:\\d+");
        assertEquals(Map.of("10.111.0.2:8080", 100), local, "only the backend on this node, and it sees the client's own address");
    }

    @Test
    void a_frontend_without_backends_drops_and_detaching_leaves_the_node_untranslated() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TcTestbed.tcx(), "it checks tcx link pins (kernel 6.6)");
        List<String> empty = client("tcp", 1, TcTopology.NODE_IP, 30083);
        assertTrue(empty.getFirst().startsWith("err "), "no backend: the SYN is dropped and the connect fails: " + empty);
        datapath.close();
        datapath = null;
        List<String> removed = BpfDatapath.cleanup(pins);
        assertTrue(removed.stream().anyMatch(r -> r.startsWith("link tc_in_" + net.node + "_")), removed.toString());
        assertFalse(Files.exists(pins.root()));
        assertEquals(List.of("err ECONNREFUSED"), client("tcp", 1, TcTopology.NODE_IP, 30080), "nothing translates NodePorts any more");
    }

    /** Issue 15: sessionAffinity ClientIP holds for clients outside the node too, and only while the backend stays. */
    @Test
    void client_ip_affinity_sends_an_outside_client_to_one_backend_until_it_leaves() throws Exception {
        Map<String, Integer> sticky = answers(client("tcp", 30, TcTopology.NODE_IP, 30099), "10.110.0.1:30099", SNAT);
        assertEquals(1, sticky.size(), "30 connections, one backend: " + sticky);
        String chosen = sticky.keySet().iterator().next().split(":")[0];
        String other = chosen.equals(TcTopology.BACKEND1) ? TcTopology.BACKEND2 : TcTopology.BACKEND1;
        String yaml = new String(Objects.requireNonNull(TcDatapathKernelIT.class.getResourceAsStream("/tc-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8);
        int at = yaml.indexOf("metadata: {name: sticky-1,");
        String endpoint = "- {addresses: [" + chosen + "], nodeName: " + (chosen.equals(TcTopology.BACKEND1) ? "node-a" : "node-b") + "}\n";
        int e = yaml.indexOf(endpoint, at);
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml.substring(0, e) + yaml.substring(e + endpoint.length()), "tc-cluster.yaml");
        assertEquals(List.of(), datapath.apply(new ServiceTranslator("node-a").translate(DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems())))).errors());
        assertEquals(Map.of(other + ":8080", 20), answers(client("tcp", 20, TcTopology.NODE_IP, 30099), "10.110.0.1:30099", SNAT),
                "the backend left the Service: the client's affinity entry no longer counts");
    }
}
