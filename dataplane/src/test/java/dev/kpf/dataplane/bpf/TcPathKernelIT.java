package dev.kpf.dataplane.bpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the path between client and backend does to translated flows: a link with a small MTU on the client's path
 * (path MTU discovery has to reach the backend through kpf), and datagrams larger than the MTU (fragments).
 */
class TcPathKernelIT {
    private static final int BYTES = 300_000;
    private TcTestbed bed;
    private BpfDatapath datapath;
    private String far;

    @BeforeEach
    void setUp() throws Exception {
        bed = TcTestbed.create("path");
        String[] added = bed.net.addFarClient(1280);
        far = added[0];
        bed.net.start(bed.net.backend2, List.of(TcTestbed.PEER.toString(), "bulk-serve", "8081", Integer.toString(BYTES), "300"));
        BpfDatapath.Options o = bed.options();
        List<Device> devices = new ArrayList<>(o.devices());
        devices.add(new Device(bed.net.nodeNamespace(), added[1]));
        datapath = BpfDatapath.open(bed.options(devices, Map.of()));
        assertEquals(List.of(), datapath.apply(TcTestbed.table()).errors());
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
        if (bed != null) bed.close();
    }

    private String run(String ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, TcTestbed.PEER.toString()));
        cmd.addAll(List.of(args));
        return TcTopology.run(cmd.toArray(String[]::new)).strip();
    }

    /**
     * The backend sends 1500-byte packets; the router in front of the client forwards at most 1280 and says so to their
     * source, the frontend on the node. kpf hands "fragmentation needed" (IPv4) and "packet too big" (IPv6) to the
     * backend, quoting the packet as the backend sent it, so it lowers its path MTU and resends: the transfer completes.
     * Without the translation the error ends at the node and the transfer stalls after the first small segments.
     */
    @Test
    void path_mtu_discovery_reaches_the_backend_through_snat_in_both_families() throws Exception {
        long before = datapath.tcEvents().get(TcEvent.ICMP_TRANSLATED);
        assertEquals("read " + BYTES, run(far, "bulk", TcTopology.NODE_IP, "30097", "10"), "IPv4: fragmentation needed reached the backend");
        long v4 = datapath.tcEvents().get(TcEvent.ICMP_TRANSLATED);
        assertTrue(v4 > before, "and was counted: " + datapath.tcEvents());
        assertEquals("read " + BYTES, run(far, "bulk", TcTopology.NODE_IP6, "30098", "10"), "IPv6: packet too big reached the backend");
        assertTrue(datapath.tcEvents().get(TcEvent.ICMP_TRANSLATED) > v4, "and was counted: " + datapath.tcEvents());
    }

    /**
     * A datagram larger than the client's MTU arrives in fragments; only the first carries ports. kpf does not
     * translate fragments: the first one to a frontend is dropped and counted (the datagram fails as a whole instead
     * of reaching the node's own stack, which would answer port unreachable); datagrams that fit go through.
     */
    @Test
    void a_datagram_in_fragments_to_a_frontend_is_dropped_and_counted_and_one_that_fits_goes_through() throws Exception {
        assertTrue(run(bed.net.client, "datagram", TcTopology.NODE_IP, "30096", "1400").startsWith("ok " + TcTopology.BACKEND2 + ":8053"));
        long before = datapath.tcEvents().get(TcEvent.FRAGMENT_DROPPED);
        assertEquals("err EAGAIN", run(bed.net.client, "datagram", TcTopology.NODE_IP, "30096", "3000"));
        assertEquals(before + 1, datapath.tcEvents().get(TcEvent.FRAGMENT_DROPPED), "IPv4: " + datapath.tcEvents());
        assertEquals("err EAGAIN", run(bed.net.client, "datagram", TcTopology.NODE_IP6, "30095", "3000"));
        assertEquals(before + 2, datapath.tcEvents().get(TcEvent.FRAGMENT_DROPPED), "IPv6 (fragment header): " + datapath.tcEvents());
    }
}
