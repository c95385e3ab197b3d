package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernel.tcx on the fixture hosts: 6.8 has tcx links, 5.15 and 4.18 do not and say what that means. */
class KernelTcxTest {
    private static HostRoot host(String name) {
        return new HostRoot(Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "hosts", name).toAbsolutePath());
    }

    @Test
    void kernels_from_6_6_pass_and_older_ones_warn_with_what_is_not_served() {
        assertEquals(ProbeStatus.PASS, KernelTcx.check(host("ubuntu-24.04-kernel-6.8-gcp")).status());
        CheckResult old = KernelTcx.check(host("ubuntu-22.04-kernel-5.15"));
        assertEquals(ProbeStatus.WARN, old.status());
        assertTrue(old.remedy().contains("only connections that start on this node"), old.remedy());
        assertEquals(ProbeStatus.WARN, KernelTcx.check(host("rhel-8-kernel-4.18")).status());
    }
}
