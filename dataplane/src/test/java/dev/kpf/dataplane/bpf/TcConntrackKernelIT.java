package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.YamlDocuments;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tc datapath's conntrack with real flows from a client namespace, in both families: SNAT ports of flows that
 * ended are taken over, so far more flows than there are ports go through (issue 15: IPv6 stopped after one range);
 * the two entries of a flow always name each other; the sweep frees ended flows and keeps live ones; a UDP flow whose
 * backend left goes to a backend that is still there; a full conntrack map drops new flows, counted, and keeps the
 * established ones.
 *
 * <p>Invariant, checked after every step: every entry of kpf_ct has its partner, which names it back; no two
 * flows share a SNAT port towards one backend.
 */
class TcConntrackKernelIT {
    /** 8 SNAT ports and a UDP timeout of 2 s: a test can run through the range several times. */
    private static final ConntrackConfig SMALL = new ConntrackConfig(40000, 40007, Duration.ofHours(2), Duration.ofSeconds(2), Duration.ofSeconds(2));
    private static final String SNAT4 = "10\\.110\\.0\\.1:4000[0-7]", SNAT6 = "\\[fd00:110::1\\]:4000[0-7]";
    private TcTestbed bed;
    private BpfDatapath datapath;

    @BeforeEach
    void setUp() throws Exception {
        bed = TcTestbed.create("ct");
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
        if (bed != null) bed.close();
    }

    private void open(BpfDatapath.Options options) throws Exception {
        datapath = BpfDatapath.open(options);
        assertEquals(List.of(), datapath.apply(TcTestbed.table()).errors());
    }

    /** Every entry has its partner, which names it back; no SNAT port towards a backend serves two flows. */
    private Map<FlowKey, FlowEntry> pairedFlows() {
        Map<FlowKey, FlowEntry> all = datapath.flows();
        Set<List<Object>> ports = new HashSet<>();
        for (var e : all.entrySet()) {
            FlowKey partner = e.getValue().partner(e.getKey());
            assertTrue(all.containsKey(partner), "the entry " + e.getKey() + " lost its partner " + partner);
            assertTrue(all.get(partner).names(e.getKey()), "the partner of " + e.getKey() + " names another flow: " + all.get(partner));
            if (!e.getValue().reply() && (e.getValue().flags() & FlowEntry.SNAT) != 0) {
                assertTrue(ports.add(List.of(e.getValue().addr(), e.getValue().port(), e.getValue().port2(), e.getKey().protocol())),
                        "two flows share SNAT port " + e.getValue().port2() + " towards " + e.getValue().addr());
            }
        }
        return all;
    }

    @Test
    void far_more_udp_flows_than_snat_ports_go_through_in_both_families_as_ports_of_ended_flows_are_taken_over() throws Exception {
        open(bed.options().withConntrack(SMALL));
        for (String[] f : new String[][] {{TcTopology.NODE_IP, "30096", "10.110.0.1:30096", SNAT4}, {TcTopology.NODE_IP6, "30095", "[fd00:110::1]:30095", SNAT6}}) {
            Set<String> used = new HashSet<>();
            for (int round = 0; round < 4; round++) {
                List<String> lines = bed.client("udp", 8, f[0], Integer.parseInt(f[1]));
                TcTestbed.answers(lines, f[2], f[3]);
                lines.forEach(l -> used.add(l.split(" ")[2]));
                assertEquals(16, pairedFlows().size(), "8 flows of 2 entries (round " + round + ", " + f[0] + ")");
                if (round == 0) {
                    long before = datapath.tcEvents().get(TcEvent.PORTS_EXHAUSTED);
                    // (one attempt: it waits 2 s for an answer, by then the 8 flows have ended)
                    assertEquals(List.of("err EAGAIN"), bed.client("udp", 1, f[0], Integer.parseInt(f[1])), "all 8 ports are in use by live flows: a new one waits");
                    assertTrue(datapath.tcEvents().get(TcEvent.PORTS_EXHAUSTED) > before, "and is counted");
                }
                Thread.sleep(2500); // the flows end (2 s without packets)
            }
            assertEquals(8, used.size(), "32 flows through the same 8 ports: " + used);
            assertEquals(16, datapath.sweepConntrack().deleted(), "the last round's flows have ended");
        }
        // 3 rounds of 8 takeovers per family, less the rare flow whose client port the kernel hands out again: its old
        // flow is then deleted at its first packet (kpf_ct_fresh) and the SNAT port is simply free (47 of 48 once on 5.10)
        long reused = datapath.tcEvents().get(TcEvent.PORT_REUSED);
        assertTrue(reused >= 40 && reused <= 48, "3 rounds of 8 takeovers per family: " + datapath.tcEvents());
    }

    @Test
    void the_sweep_frees_flows_that_ended_and_keeps_live_ones() throws Exception {
        open(bed.options().withConntrack(SMALL));
        TcTestbed.answers(bed.client("udp", 5, TcTopology.NODE_IP, 30096), "10.110.0.1:30096", SNAT4);
        TcTestbed.answers(bed.client("tcp", 5, TcTopology.NODE_IP6, 30090), "[fd00:110::1]:30090", "\\[fd00:110::1\\]:\\d+");
        assertEquals(20, pairedFlows().size());
        SweepReport early = datapath.sweepConntrack();
        assertEquals(List.of(20, 0), List.of(early.scanned(), early.deleted()), "nothing ended yet");
        try (Held held = new Held(TcTopology.NODE_IP, 30096)) {
            for (int i = 0; i < 6; i++) {
                Thread.sleep(500);
                assertTrue(held.next().startsWith("ok "), "a live flow is served");
            }
            // 3 s later the 5 UDP flows and the 5 closed TCP flows (2 s after their FIN) have ended; the held flow has not
            SweepReport sweep = datapath.sweepConntrack();
            assertEquals(20, sweep.deleted(), sweep.toString());
            Map<FlowKey, FlowEntry> left = pairedFlows();
            assertEquals(2, left.size(), "only the held flow's entries: " + left);
            assertTrue(held.next().startsWith("ok "), "and it still is served");
        }
    }

    @Test
    void a_udp_flow_whose_backend_left_its_service_goes_to_a_backend_still_there() throws Exception {
        open(bed.options());
        try (Held held = new Held(TcTopology.NODE_IP, 30053)) {
            String first = held.next();
            assertTrue(first.startsWith("ok "), first);
            assertEquals(first, held.next(), "one flow, one backend");
            String leaving = first.substring(3), staying = leaving.startsWith(TcTopology.BACKEND1) ? TcTopology.BACKEND2 : TcTopology.BACKEND1;
            // the backend leaves the Service but keeps running (and answering), as a pod that is being replaced does
            assertEquals(List.of(), datapath.apply(without(leaving.split(":")[0])).errors());
            assertEquals("ok " + staying + ":8053", held.next(), "the flow was flushed, as kube-proxy flushes UDP conntrack of removed endpoints");
            pairedFlows();
        }
    }

    @Test
    void a_full_conntrack_map_drops_new_flows_counted_and_keeps_established_ones() throws Exception {
        open(bed.options(bed.options().devices(), Map.of(MapLayout.CT, 6)).withConntrack(SMALL));
        try (Held held = new Held(TcTopology.NODE_IP6, 30095)) {
            assertTrue(held.next().startsWith("ok "));
            TcTestbed.answers(bed.client("udp", 2, TcTopology.NODE_IP, 30096), "10.110.0.1:30096", SNAT4);
            assertEquals(6, pairedFlows().size(), "3 flows fill the map");
            long full = datapath.tcEvents().get(TcEvent.CONNTRACK_FULL);
            assertEquals(List.of("err EAGAIN"), bed.client("udp", 1, TcTopology.NODE_IP, 30096), "a fourth flow has no room");
            assertTrue(datapath.tcEvents().get(TcEvent.CONNTRACK_FULL) > full, "counted: " + datapath.tcEvents());
            PinnedConntrack.Reading pinned = PinnedConntrack.read(bed.pins).orElseThrow();
            assertEquals(List.of(6, 6), List.of(pinned.entries(), pinned.capacity()), "what the doctor reads from the pins, with no agent");
            assertEquals(datapath.tcEvents(), pinned.events());
            assertTrue(held.next().startsWith("ok "), "an established flow goes on");
            for (int i = 0; i < 5; i++) {
                Thread.sleep(600);
                assertTrue(held.next().startsWith("ok "));
            }
            assertEquals(4, datapath.sweepConntrack().deleted(), "the two flows that ended are freed");
            TcTestbed.answers(bed.client("udp", 2, TcTopology.NODE_IP, 30096), "10.110.0.1:30096", SNAT4);
            assertEquals(6, pairedFlows().size());
        }
    }

    /** tc-cluster.yaml without the endpoint {@code address} of the web Service. */
    private static LbTable without(String address) throws Exception {
        String yaml = new String(Objects.requireNonNull(TcConntrackKernelIT.class.getResourceAsStream("/tc-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8);
        String endpoint = "- {addresses: [" + address + "], nodeName: " + (address.equals(TcTopology.BACKEND1) ? "node-a" : "node-b") + "}\n";
        int web = yaml.indexOf("metadata: {name: web-1,");
        int at = yaml.indexOf(endpoint, web);
        assertTrue(at > 0, endpoint);
        yaml = yaml.substring(0, at) + yaml.substring(at + endpoint.length());
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "tc-cluster.yaml");
        return new ServiceTranslator("node-a").translate(DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems())));
    }

    /** A connected UDP socket in the client namespace (kpf_peer hold): one datagram per {@link #next}, its answer or error. */
    private final class Held implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final OutputStream in;
        private boolean started;

        Held(String addr, int port) throws Exception {
            process = new ProcessBuilder("ip", "netns", "exec", bed.net.client, TcTestbed.PEER.toString(), "hold", "udp", addr, Integer.toString(port))
                    .redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            in = process.getOutputStream();
        }

        /** The answer to one more datagram ("ok SERVER:PORT" or "err ERRNO"); the first is sent at start. */
        String next() throws Exception {
            if (started) {
                in.write('\n');
                in.flush();
            }
            started = true;
            String line = out.readLine(); // bounded: the peer's receive times out after 2 s
            assertFalse(line == null, "the holder ended");
            return line;
        }

        @Override
        public void close() throws Exception {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
