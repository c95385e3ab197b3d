package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernel.tcx on the fixture hosts: 6.8 has tcx links, 5.15 and 4.18 do not and get clsact filters instead. */
class KernelTcxTest {
    private static HostRoot host(String name) {
        return new HostRoot(Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "hosts", name).toAbsolutePath());
    }

    @Test
    void kernels_from_6_6_use_tcx_links_and_older_ones_clsact_filters() {
        CheckResult tcx = KernelTcx.check(host("ubuntu-24.04-kernel-6.8-gcp"));
        assertEquals(ProbeStatus.PASS, tcx.status());
        assertTrue(tcx.observed().endsWith(": tcx links"), tcx.observed());
        CheckResult old = KernelTcx.check(host("ubuntu-22.04-kernel-5.15"));
        assertEquals(ProbeStatus.PASS, old.status());
        assertTrue(old.observed().contains("no tcx links; the agent attaches the tc programs as clsact filters"), old.observed());
        assertTrue(KernelTcx.check(host("rhel-8-kernel-4.18")).observed().contains("clsact filters"));
    }
}
