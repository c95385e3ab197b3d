package dev.kpf.probes.probe;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.Cgroup2Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The probes against this machine's real kernel, as root and as an unprivileged user. */
class LiveProbeKernelIT {

    @Test
    void as_root_every_feature_probe_gets_a_real_answer_and_leaves_nothing_behind() {
        KernelRequirement.requireBpf();
        ProbeReport report = ProbeRunner.forHost(HostRoot.live());

        for (String id : List.of("bpf.syscall", "bpf.prog-types", "bpf.map-types", "bpf.helpers", "bpf.attach-types")) {
            ProbeResult r = report.result(id);
            assertTrue(r.status() != ProbeStatus.UNKNOWN, id + " could not tell: " + r.observed());
        }
        ProbeResult attach = report.result("bpf.attach-types");
        assertEquals(8, attach.items().size());
        assertTrue(attach.items().stream().filter(ProbeItem::required).allMatch(i -> i.support() instanceof Support.Supported),
                "this machine's kernel accepts connect4, sendmsg4 and recvmsg4: " + attach.items());
        // kernels >= 5.7.0 with BTF, bpffs and cgroup v2 (what CI runs on) are ready
        KernelRelease kernel = KernelRelease.parse(report.host().kernel()).orElseThrow();
        if (kernel.atLeast(5, 8, 0)) {
            assertEquals(Verdict.READY, report.verdict(), report.reasons().toString());
            assertEquals(ProbeStatus.PASS, attach.status(), attach.observed());
        }
        Path cgroupRoot = Cgroup2Mount.find().orElseThrow();
        assertFalse(Files.exists(cgroupRoot.resolve("kpf-probe-" + ProcessHandle.current().pid())), "probe cgroup removed");
    }

    @Test
    void an_unprivileged_user_gets_unknown_with_the_reason_not_a_wrong_no(@TempDir Path dir) throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("setpriv");
        // the child runs as nobody, so it gets a world-readable copy of the classes
        Path classes = dir.resolve("classes");
        copyTree(Path.of("target/classes"), classes);
        copyTree(Path.of("target/test-classes/dev/kpf/probes/probe"), classes.resolve("dev/kpf/probes/probe"));
        StringBuilder classPath = new StringBuilder(classes.toString());
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.endsWith(".jar") && Path.of(entry).getFileName().toString().startsWith("slf4j-")) {
                Path copy = dir.resolve(Path.of(entry).getFileName());
                Files.copy(Path.of(entry), copy);
                classPath.append(java.io.File.pathSeparator).append(copy);
            }
        }
        makeWorldReadable(dir);

        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", classPath.toString(), ProbeMain.class.getName())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("unprivileged probe timed out");
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("verdict=UNKNOWN"), out);
        assertTrue(out.contains("caps=WARN"), out);
        assertTrue(out.lines().filter(l -> l.startsWith("reason=")).allMatch(l -> l.contains("not permitted")), out);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    private static void makeWorldReadable(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        // the temporary directory's parents must be traversable too
        for (Path p = dir.getParent(); p != null && !p.toString().equals("/tmp") && !p.equals(p.getRoot()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
