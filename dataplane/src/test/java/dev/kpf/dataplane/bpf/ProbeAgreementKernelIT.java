package dev.kpf.dataplane.bpf;

import dev.kpf.probes.probe.Feature;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeRunner;
import dev.kpf.probes.probe.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: what {@code kpf probe} says about this kernel agrees with what kpf's own objects do on it: a ready node
 * loads the socket programs and the tc programs (tcx or clsact) and serves a flow from outside; the refusal it
 * announces (ECONNREFUSED, or EPERM without bpf_set_retval) is the one the datapath uses. Run on every kernel of the
 * matrix (scripts/kernel-matrix.sh).
 */
class ProbeAgreementKernelIT {
    @Test
    void the_probe_verdict_and_its_degradations_are_what_the_datapath_does_here() throws Exception {
        ProbeReport report = ProbeRunner.forHost(HostRoot.live());
        try (TcTestbed bed = TcTestbed.create("agree")) {
            String loaded;
            boolean eperm = false;
            try (BpfDatapath datapath = BpfDatapath.open(bed.options())) {
                assertEquals(List.of(), datapath.apply(TcTestbed.table()).errors());
                TcTestbed.answers(bed.client("tcp", 5, TcTopology.NODE_IP, 30080), "10.110.0.1:30080", TcTestbed.SNAT);
                eperm = datapath.describe().contains("fail with EPERM");
                loaded = "loaded, attached (" + datapath.tcAttach() + ") and served";
            } catch (RuntimeException e) {
                loaded = "failed: " + e.getMessage();
            }
            assertEquals(report.verdict() == Verdict.READY, loaded.startsWith("loaded"),
                    "kpf probe says " + report.verdict() + " (" + report.reasons() + "); the datapath " + loaded);
            assertEquals(report.degraded().contains(Feature.CONNECT_REFUSED), eperm,
                    "kpf probe's connect-refused degradation and the datapath's refusal: degraded " + report.degraded());
            assertTrue(!report.degraded().contains(Feature.EXTERNAL_LB) || !loaded.startsWith("loaded"),
                    "the tc programs loaded although the probe takes external-lb away: " + report.degraded());
        }
    }
}
