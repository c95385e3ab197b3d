package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ClientIP affinity never outlives the backend's place in its Service (issue 14, defect 2), in the running kernel:
 * a client remembered for x is sent to a current backend of x, not to a pod that left x and stays in y, and not
 * to another Service's pod that took the id x's backend had.
 */
class AffinityChurnKernelIT {
    private static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();

    private TestNetwork net;
    private TemporaryCgroup cgroup;
    private PinDirectory pins;
    private BpfDatapath datapath;

    @BeforeEach
    void setUp() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-affinity-" + ProcessHandle.current().pid()));
        cgroup = TemporaryCgroup.create("kpf-test-affinity-" + ProcessHandle.current().pid());
        net = TestNetwork.create();
        net.startPeerServers(PEER);
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()));
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
        if (pins != null) BpfDatapath.cleanup(pins);
        if (net != null) net.close();
        if (cgroup != null) cgroup.close();
    }

    /** The backends (ADDR:PORT) that answered {@code count} TCP connects from the client to {@code vip}:80. */
    private List<String> connect(String vip, int count) throws Exception {
        return net.peerClient(cgroup.path(), PEER, "tcp", count, vip, 80).stream().map(l -> l.split(" ")[1]).distinct().sorted().toList();
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

    @Test
    void a_client_pinned_to_a_backend_whose_id_another_service_took_moves_to_a_current_one() throws Exception {
        datapath.apply(TestTables.table(x("10.203.0.2"), y("10.203.0.3")));
        assertEquals(List.of("10.203.0.2:8080"), connect("10.96.100.10", 5));
        datapath.apply(TestTables.table(x("10.203.0.3"), y("10.203.0.3", "10.203.0.4")));
        assertEquals(List.of("10.203.0.3:8080"), connect("10.96.100.10", 20), "x's client goes to x's backend only");
    }
}
