package dev.kpf.dataplane.bpf;

import dev.kpf.probes.probe.Feature;
import dev.kpf.probes.probe.FeatureSupport;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeRunner;
import dev.kpf.probes.probe.Verdict;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: what {@code kpf probe} says about this kernel agrees with what kpf's own objects do on it: a ready node
 * loads the socket programs and the tc programs (tcx or clsact) and serves a flow from outside; the refusal it
 * announces (ECONNREFUSED, or EPERM without bpf_set_retval) is the one the datapath uses. Run on every kernel of the
 * matrix (scripts/kernel-matrix.sh). So do the features it lists: tc from outside, connected UDP sockets let go, and the
 * attachment (tcx links or clsact filters) it names.
 */
class ProbeAgreementKernelIT {
    @Test
    void the_probe_verdict_and_its_degradations_are_what_the_datapath_does_here() throws Exception {
        ProbeReport report = ProbeRunner.forHost(HostRoot.live());
        Map<Feature, FeatureSupport.Availability> features = new EnumMap<>(Feature.class);
        report.features().forEach(f -> features.put(f.feature(), f.availability()));
        try (TcTestbed bed = TcTestbed.create("agree")) {
            String loaded;
            boolean eperm = false, socketsLetGo = false;
            try (BpfDatapath datapath = BpfDatapath.open(bed.options())) {
                assertEquals(List.of(), datapath.apply(TcTestbed.table()).errors());
                TcTestbed.answers(bed.client("tcp", 5, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", TcTestbed.SNAT);
                eperm = datapath.describe().contains("fail with EPERM");
                socketsLetGo = !datapath.describe().contains("keep a backend that left");
                loaded = "loaded, attached (" + datapath.tcAttach() + ") and served";
            } catch (RuntimeException e) {
                loaded = "failed: " + e.getMessage();
            }
            String said = "kpf probe says " + report.verdict() + " (" + report.reasons() + ", features " + features + "); the datapath " + loaded;
            assertEquals(report.verdict() == Verdict.READY, loaded.startsWith("loaded"), said);
            assertEquals(report.degraded().contains(Feature.CONNECT_REFUSED), eperm,
                    "kpf probe's connect-refused degradation and the datapath's refusal: degraded " + report.degraded());
            assertEquals(features.get(Feature.EXTERNAL_LB) == FeatureSupport.Availability.AVAILABLE, loaded.startsWith("loaded"), said);
            assertEquals(features.get(Feature.UDP_SOCKET_TERMINATION) == FeatureSupport.Availability.AVAILABLE, socketsLetGo,
                    "kpf probe on udp-socket-termination: " + features.get(Feature.UDP_SOCKET_TERMINATION) + "; the datapath lets sockets go: " + socketsLetGo);
        }
    }

    /** The attachment the probe announces (tcx links, or clsact filters) is the one the kernel takes, and the other is refused. */
    @Test
    void the_tc_attachment_the_probe_names_is_the_one_the_kernel_takes() throws Exception {
        String observed = ProbeRunner.forHost(HostRoot.live()).result("bpf.tc").observed();
        boolean tcx = observed.contains("attach with tcx links");
        assertTrue(tcx || observed.contains("attach with clsact filters"), observed);
        try (TcTestbed bed = TcTestbed.create("agrtc")) {
            BpfDatapath.Options tcxOptions = withClsact(bed.options(), false);
            if (tcx) {
                try (BpfDatapath datapath = BpfDatapath.open(tcxOptions)) {
                    assertEquals("tcx", datapath.tcAttach());
                }
            } else {
                RuntimeException refused = assertThrows(RuntimeException.class, () -> BpfDatapath.open(tcxOptions).close(),
                        "the probe says no tcx links (" + observed + "), yet the kernel took them");
                assertTrue(refused.getMessage().contains("tcx"), refused.getMessage());
            }
            try (BpfDatapath datapath = BpfDatapath.open(withClsact(bed.options(), true))) {
                assertEquals(List.of(), datapath.apply(TcTestbed.table()).errors());
                TcTestbed.answers(bed.client("tcp", 3, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", TcTestbed.SNAT);
            }
        }
    }

    private static BpfDatapath.Options withClsact(BpfDatapath.Options o, boolean clsact) {
        return new BpfDatapath.Options(o.pins(), o.cgroup(), o.capacities(), o.devices(), o.snat4(), o.maglev(), o.snat6(),
                o.maglevTableSize(), clsact, o.conntrack(), o.setRetval());
    }
}
