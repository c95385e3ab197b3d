package dev.kpf.diagnostics;

import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.bpf.SelfTestFrontend;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The datapath self-test against kpf's real programs, attached to a cgroup of the test's own. */
class DatapathSelfTestKernelIT {
    private PinnedDatapath datapath;

    @BeforeEach
    void setUp() {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        datapath = PinnedDatapath.open("selftest");
        datapath.program(PinnedDatapath.demoTable());
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) datapath.close();
    }

    @Test
    void passes_with_the_programs_attached_with_the_trace_event_as_evidence_and_leaves_nothing_behind() throws Exception {
        int frontends = PinnedTable.read(datapath.pinDirectory()).size();
        CheckResult r = DatapathSelfTest.run(datapath.pinDirectory());
        assertEquals(ProbeStatus.PASS, r.status(), r.toString());
        assertTrue(r.observed().contains("was translated by the live programs to its backend 127.0.0.1:"), r.observed());
        assertTrue(r.observed().matches(".*trace: \\S+ bash\\[\\d+] connect TCP 198\\.18\\.255\\.254:1 -> 127\\.0\\.0\\.1:\\d+ translated .*"), r.observed());
        assertNothingLeft(frontends);
    }

    @Test
    void one_self_test_at_a_time_and_what_a_killed_one_left_is_removed() throws Exception {
        Path lockDir = datapath.pinDirectory().path("selftest");
        Files.createDirectories(lockDir);
        try (dev.kpf.probes.bpf.DirectoryLock running = dev.kpf.probes.bpf.DirectoryLock.exclusive(lockDir)) {
            CheckResult busy = DatapathSelfTest.run(datapath.pinDirectory());
            assertEquals(ProbeStatus.UNKNOWN, busy.status());
            assertTrue(busy.observed().contains("another datapath self-test is running"), busy.observed());
        }
        // a self-test killed mid-run: its namespace and its (empty) cgroup stay behind
        String dead = "kpf-selftest-999999";
        new NodeCommands(java.util.List.of()).run(java.util.List.of("ip", "netns", "add", dead));
        Files.createDirectory(datapath.cgroupPath().resolve(dead));
        int frontends = PinnedTable.read(datapath.pinDirectory()).size();
        CheckResult r = DatapathSelfTest.run(datapath.pinDirectory());
        assertEquals(ProbeStatus.PASS, r.status(), r.toString());
        assertFalse(Files.exists(Path.of("/run/netns", dead)), "the leftover namespace is removed");
        assertFalse(Files.exists(datapath.cgroupPath().resolve(dead)), "the leftover cgroup is removed");
        assertNothingLeft(frontends);
    }

    @Test
    void fails_with_the_reason_when_the_programs_are_detached_or_missing() throws Exception {
        int frontends = PinnedTable.read(datapath.pinDirectory()).size();
        Path link = datapath.pinDirectory().path(MapLayout.LINKS + "/connect4");
        try (BpfLink l = BpfLink.openPinned(link)) {
            l.detach();
        }
        CheckResult detached = DatapathSelfTest.run(datapath.pinDirectory());
        assertEquals(ProbeStatus.FAIL, detached.status(), detached.toString());
        assertTrue(detached.observed().contains("the connect4 link at " + link + " is detached"), detached.observed());
        assertTrue(detached.remedy().contains("restart the agent"), detached.remedy());

        Files.delete(link);
        CheckResult missing = DatapathSelfTest.run(datapath.pinDirectory());
        assertEquals(ProbeStatus.FAIL, missing.status());
        assertTrue(missing.observed().contains("no connect4 program is attached"), missing.observed());

        CheckResult none = DatapathSelfTest.run(new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-selftest-nothing")));
        assertEquals(ProbeStatus.FAIL, none.status());
        assertTrue(none.observed().contains("kube-proxy replacement is not active on this node"), none.observed());
        assertNothingLeft(frontends);
    }

    @Test
    void a_cluster_service_on_the_reserved_address_is_left_alone_and_named() throws Exception {
        java.util.List<com.google.gson.JsonObject> objects = new java.util.ArrayList<>(dev.kpf.testdata.demo.DemoCluster.objects(
                dev.kpf.testdata.demo.DemoCluster.Variant.KUBE_PROXY_FREE));
        objects.add(com.google.gson.JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "squatter", "namespace": "default"},
                 "spec": {"clusterIP": "198.18.255.254", "ports": [{"name": "x", "port": 1}]}}""").getAsJsonObject());
        datapath.program(PinnedDatapath.translate(objects));
        CheckResult r = DatapathSelfTest.run(datapath.pinDirectory());
        assertEquals(ProbeStatus.UNKNOWN, r.status(), r.toString());
        assertTrue(r.observed().contains("198.18.255.254:1/TCP is a frontend of the cluster"), r.observed());
        assertTrue(PinnedTable.read(datapath.pinDirectory()).entries().values().stream()
                .anyMatch(e -> e.frontend().address().equals(SelfTestFrontend.ADDRESS) && e.servicePortName().equals("default/squatter:x")),
                "the cluster's entry is untouched");
    }

    private void assertNothingLeft(int frontends) throws IOException {
        assertEquals(frontends, PinnedTable.read(datapath.pinDirectory()).size(), "the test frontend is gone from the maps");
        assertTrue(PinnedTable.read(datapath.pinDirectory()).entries().keySet().stream()
                .noneMatch(f -> f.address().equals(SelfTestFrontend.ADDRESS)));
        try (Stream<Path> ns = Files.list(Path.of("/run/netns"))) {
            assertFalse(ns.anyMatch(p -> p.getFileName().toString().startsWith("kpf-selftest-")), "no namespace left");
        }
        assertEquals(0, DatapathSelfTestKernelIT.selftestCgroups(), "no cgroup left");
    }

    private static long selftestCgroups() throws IOException {
        Path mount = dev.kpf.probes.bpf.Cgroup2Mount.find().orElseThrow();
        try (Stream<Path> all = Files.walk(mount, 3)) {
            return all.filter(p -> p.getFileName().toString().startsWith("kpf-selftest-")).count();
        }
    }
}
