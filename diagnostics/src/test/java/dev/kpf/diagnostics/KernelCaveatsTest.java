package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The NFS/SMB-through-ClusterIP caveat depends on the distribution's patch level, not only the kernel line. */
class KernelCaveatsTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "ubuntu, 5.4.0-187-generic,              PASS",
            "ubuntu, 5.4.0-186-generic,              WARN",
            "ubuntu, 5.15.0-113-generic,             PASS",
            "ubuntu, 5.15.0-91-generic,              WARN",
            "ubuntu, 6.5.0-41-generic,               PASS",
            "ubuntu, 6.8.0-1012-gcp,                 PASS",
            "rhel,   4.18.0-553.8.1.el8_10.x86_64,   PASS",
            "rhel,   4.18.0-553.5.1.el8_10.x86_64,   WARN",
            "rhel,   4.18.0-513.el8.x86_64,          WARN",
            "rhel,   5.14.0-427.31.1.el9_4.x86_64,   PASS",
            "rhel,   5.14.0-427.13.1.el9_4.x86_64,   WARN",
            "debian, 6.1.0-26-amd64,                 WARN",
            "debian, 6.18.44-fc-v669,                PASS",
    })
    void patch_levels(String os, String release, ProbeStatus expected, @TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("etc/os-release"), "ID=" + os + "\nVERSION_ID=\"1\"\n");
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), release + "\n");
        CheckResult r = KernelCaveats.check(new HostRoot(root));
        assertEquals(expected, r.status(), r.toString());
    }
}
