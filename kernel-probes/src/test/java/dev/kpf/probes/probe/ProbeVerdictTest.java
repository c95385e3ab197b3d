package dev.kpf.probes.probe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verdict for kube-proxy-free mode on fixture nodes, by the platform's rule: a supported RHEL (its backported
 * kernels are judged by the feature probes) or Ubuntu with kernel >= 5.7.0; other systems are warned about and
 * judged by kernel >= 5.7.0 and the probes.
 */
class ProbeVerdictTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "ubuntu-20.04-kernel-5.4,      NOT_READY",
            "ubuntu-22.04-kernel-5.15,     READY",
            "ubuntu-24.04-kernel-6.8-gcp,  READY",
            "rhel-8-kernel-4.18,           READY",
            "rhel-9-kernel-5.14,           READY",
            "rhel-7-kernel-3.10,           NOT_READY",
            "debian-12-kernel-6.1,         READY",
            "debian-11-kernel-5.10,        READY",
            "ubuntu-22.04-missing-bpffs,   NOT_READY",
            "ubuntu-22.04-no-btf,          NOT_READY",
            "ubuntu-22.04-cgroup-v1-only,  NOT_READY",
            "garbage-files,                UNKNOWN",
            "unreadable-files,             UNKNOWN",
    })
    void verdict_of_a_fixture_node_whose_kernel_supports_every_feature(String fixture, Verdict expected) {
        ProbeReport report = ProbeRunner.run(Fixtures.host(fixture), FixedKernelFeatures.allSupported());
        assertEquals(expected, report.verdict(), () -> fixture + ": " + report.reasons() + "\n" + report.results());
    }

    @Test
    void ubuntu_below_5_7_is_not_supported_whatever_the_probes_say() {
        ProbeReport report = ProbeRunner.run(Fixtures.host("ubuntu-20.04-kernel-5.4"), FixedKernelFeatures.allSupported());
        ProbeResult kernel = report.result("kernel.version");
        assertEquals(ProbeStatus.FAIL, kernel.status());
        assertEquals("5.4.0-187-generic", kernel.observed());
        assertTrue(kernel.remedy().contains("Ubuntu with a kernel before 5.7.0 is not supported"), kernel.remedy());
        assertEquals(java.util.List.of("kernel.version: 5.4.0-187-generic"), report.reasons());
    }

    @Test
    void rhel_8_is_decided_by_the_feature_probes() {
        HostRoot rhel8 = Fixtures.host("rhel-8-kernel-4.18");
        ProbeReport capable = ProbeRunner.run(rhel8, FixedKernelFeatures.allSupported());
        assertEquals(Verdict.READY, capable.verdict());
        assertTrue(capable.result("kernel.version").observed().contains("the feature probes decide"));

        ProbeReport lacking = ProbeRunner.run(rhel8, FixedKernelFeatures.without("connect4"));
        assertEquals(Verdict.NOT_READY, lacking.verdict());
        assertEquals(ProbeStatus.FAIL, lacking.result("bpf.attach-types").status());
        assertTrue(lacking.reasons().getFirst().startsWith("bpf.attach-types: missing connect4"), lacking.reasons().toString());
    }

    @Test
    void a_missing_optional_hook_degrades_its_features_but_the_node_stays_ready() {
        ProbeReport report = ProbeRunner.run(Fixtures.host("ubuntu-22.04-kernel-5.15"),
                FixedKernelFeatures.without("getpeername4", "getpeername6", "ringbuf"));
        assertEquals(Verdict.READY, report.verdict());
        assertEquals(ProbeStatus.WARN, report.result("bpf.attach-types").status());
        assertEquals(java.util.Set.of(Feature.PEER_ADDRESS, Feature.TRACE), report.degraded());
    }

    /**
     * Issue 16: kernels before 5.18 have no bpf_set_retval. kpf loads its programs with the call switched off, so
     * 5.10 and 5.15 nodes are ready; only connects to Services without backends fail with EPERM instead of ECONNREFUSED.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"debian-11-kernel-5.10", "ubuntu-22.04-kernel-5.15"})
    void a_kernel_without_bpf_set_retval_is_ready_and_only_the_refusal_degrades(String fixture) {
        ProbeReport report = ProbeRunner.run(Fixtures.host(fixture), FixedKernelFeatures.without("set_retval"));
        assertEquals(Verdict.READY, report.verdict(), () -> report.reasons().toString());
        assertEquals(ProbeStatus.WARN, report.result("bpf.helpers").status());
        java.util.Set<Feature> degraded = new java.util.HashSet<>(report.degraded());
        degraded.remove(Feature.ALL); // Debian 11 is not a platform OS: its warning names everything
        assertEquals(java.util.Set.of(Feature.CONNECT_REFUSED), degraded);
    }

    @Test
    void a_non_platform_os_is_warned_about_and_judged_by_kernel_and_probes() {
        ProbeReport report = ProbeRunner.run(Fixtures.host("debian-12-kernel-6.1"), FixedKernelFeatures.allSupported());
        ProbeResult os = report.result("os.supported");
        assertEquals(ProbeStatus.WARN, os.status());
        assertTrue(os.observed().contains("not supported by the platform"), os.observed());
        assertEquals(ProbeStatus.PASS, report.result("kernel.version").status());
    }

    @Test
    void feature_probes_that_cannot_run_make_the_verdict_unknown_with_the_reason() {
        ProbeReport report = ProbeRunner.run(Fixtures.host("ubuntu-22.04-kernel-5.15"),
                FixedKernelFeatures.unknown("not permitted: this process lacks CAP_BPF"));
        assertEquals(Verdict.UNKNOWN, report.verdict());
        assertEquals(ProbeStatus.UNKNOWN, report.result("bpf.syscall").status());
        assertTrue(report.result("bpf.attach-types").remedy().contains("run kpf probe as root"));
        assertTrue(report.reasons().stream().allMatch(r -> r.contains("not permitted")), report.reasons().toString());
    }

    @Test
    void the_node_fixtures_fail_for_the_reason_their_name_gives() {
        assertEquals(ProbeStatus.FAIL, run("ubuntu-22.04-missing-bpffs").result("bpf.fs").status());
        assertEquals("mount -t bpf bpf /sys/fs/bpf (and add it to /etc/fstab: bpf /sys/fs/bpf bpf defaults 0 0)",
                run("ubuntu-22.04-missing-bpffs").result("bpf.fs").remedy());
        assertEquals(ProbeStatus.FAIL, run("ubuntu-22.04-no-btf").result("bpf.btf").status());
        ProbeReport v1 = run("ubuntu-22.04-cgroup-v1-only");
        assertEquals(ProbeStatus.FAIL, v1.result("cgroup.v2").status());
        assertEquals(ProbeStatus.WARN, v1.result("bpf.jit").status());
        assertEquals("/sys/fs/cgroup/unified (hybrid)", run("rhel-8-kernel-4.18").result("cgroup.v2").observed());
        assertEquals("/sys/fs/cgroup (unified)", run("rhel-9-kernel-5.14").result("cgroup.v2").observed());
        assertEquals(ProbeStatus.FAIL, run("rhel-7-kernel-3.10").result("os.supported").status());
    }

    @Test
    void memlock_matters_only_before_5_11() {
        assertEquals(ProbeStatus.PASS, run("ubuntu-20.04-kernel-5.4").result("memlock").status(), "64 MiB is enough");
        assertEquals(ProbeStatus.WARN, run("rhel-7-kernel-3.10").result("memlock").status(), "64 KiB is not");
        assertTrue(run("ubuntu-22.04-kernel-5.15").result("memlock").observed().contains("memory cgroup"));
    }

    @Test
    void capabilities_before_5_8_need_only_sys_admin_and_net_admin() {
        assertEquals(ProbeStatus.PASS, run("rhel-8-kernel-4.18").result("caps").status());
        assertEquals(ProbeStatus.PASS, run("ubuntu-22.04-kernel-5.15").result("caps").status());
    }

    @Test
    void kernel_config_is_read_from_boot_or_proc_config_gz() {
        assertEquals("/proc/config.gz: all BPF options set", run("ubuntu-24.04-kernel-6.8-gcp").result("kernel.config").observed());
        ProbeResult noBtf = run("ubuntu-22.04-no-btf").result("kernel.config");
        assertEquals(ProbeStatus.WARN, noBtf.status());
        assertTrue(noBtf.observed().endsWith("lacks CONFIG_DEBUG_INFO_BTF"), noBtf.observed());
    }

    @Test
    void garbage_and_unreadable_files_give_unknown_with_the_reason_never_an_exception() {
        ProbeReport garbage = run("garbage-files");
        assertEquals(ProbeStatus.UNKNOWN, garbage.result("os.supported").status());
        assertEquals("/etc/os-release names no ID", garbage.result("os.supported").observed());
        assertEquals("unparseable release 'not-a-version'", garbage.result("kernel.version").observed());
        assertEquals(ProbeStatus.UNKNOWN, garbage.result("caps").status());
        assertEquals("bpf_jit_enable='maybe'", garbage.result("bpf.jit").observed());
        assertEquals(ProbeStatus.UNKNOWN, garbage.result("kernel.config").status());

        ProbeReport unreadable = run("unreadable-files");
        assertTrue(unreadable.result("os.supported").observed().startsWith("/etc/os-release is unreadable"),
                unreadable.result("os.supported").observed());
        assertTrue(unreadable.result("bpf.fs").observed().startsWith("/proc/mounts is unreadable"));
    }

    private static ProbeReport run(String fixture) {
        return ProbeRunner.run(Fixtures.host(fixture), FixedKernelFeatures.allSupported());
    }
}
