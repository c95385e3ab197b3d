package dev.kpf.diagnostics.bundle;

import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: the archive as tar(1) reads it: names longer than ustar's 100 bytes (a bundle of a node with an ordinary
 * FQDN name) survive whole, contents are byte for byte what was added, and the manifest comes first.
 */
class SupportBundleArchiveTest {
    private static String tar(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void long_names_survive_and_tar_reads_every_file(@TempDir Path dir) throws Exception {
        KernelRequirement.requireCommand("tar");
        String node = "worker-node-01.us-central1-a.c.my-project.internal";
        String directory = "kpf-bundle-" + node + "-20261202-215400";
        String log = "agent/logs/kpf-7d9f8-worker-node-01.us-central1-a.c.my-project.internal-agent-0.log";
        SupportBundle b = new SupportBundle(directory, Instant.parse("2026-12-02T21:54:00Z"))
                .add("doctor.json", "{\"checks\": []}\n")
                .add(log, "time=2026-12-02T21:54:00Z level=INFO msg=synced é\n");
        assertTrue((directory + "/" + log).getBytes(StandardCharsets.UTF_8).length > 100, "longer than ustar's name field");
        Path archive = b.write(dir.resolve("bundle.tar.gz")).file();
        List<String> names = tar("tar", "-tzf", archive.toString()).lines().toList();
        assertEquals(List.of(directory + "/MANIFEST.txt", directory + "/doctor.json", directory + "/" + log), names);
        assertEquals("time=2026-12-02T21:54:00Z level=INFO msg=synced é\n", tar("tar", "-xzOf", archive.toString(), directory + "/" + log));
    }
}
