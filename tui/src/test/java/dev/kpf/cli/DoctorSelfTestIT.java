package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Is kube-proxy replacement active here?": {@code kpf doctor --only datapath.selftest} next to a running
 * {@code kpf agent} (the demo source, attached to a cgroup of the test's own) passes, with the trace event as
 * evidence; after {@code kpf agent --cleanup} it fails and says why.
 */
class DoctorSelfTestIT {
    @Test
    void passes_with_the_agent_running_and_fails_after_cleanup() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-selftest-agent-" + pid));
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-selftest-agent-" + pid)) {
            CompletableFuture<CommandRun> agent = CompletableFuture.supplyAsync(() -> CommandRun.of("agent", "--source", "demo", "--devices", "none",
                    "--bpffs", pins.root().toString(), "--cgroup", cgroup.path().toString(), "--listen", "127.0.0.1:0", "--duration", "8"));
            try {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!Files.exists(pins.path(MapLayout.LINKS + "/connect4")) && System.nanoTime() < end) Thread.sleep(100);
                Thread.sleep(500); // the first sync
                CommandRun doctor = CommandRun.of("doctor", "--bpffs", pins.root().toString(), "--only", "datapath.selftest", "--json");
                JsonObject check = JsonParser.parseString(doctor.out()).getAsJsonObject().getAsJsonArray("checks").get(0).getAsJsonObject();
                assertEquals("datapath.selftest", check.get("id").getAsString());
                assertEquals("pass", check.get("status").getAsString(), doctor.out());
                assertTrue(check.get("observed").getAsString().contains("trace: "), "the trace event is the evidence: " + check);
                assertEquals(0, doctor.exitCode(), doctor.out());
            } finally {
                CommandRun stopped = agent.get(30, TimeUnit.SECONDS);
                assertEquals(0, stopped.exitCode(), stopped.err());
                CommandRun cleanup = CommandRun.of("agent", "--cleanup", "--bpffs", pins.root().toString());
                assertEquals(0, cleanup.exitCode(), cleanup.err());
                assertFalse(Files.exists(pins.root()), "the cleanup leaves nothing, the self-test's lock included: " + cleanup.out());
            }
            CommandRun after = CommandRun.of("doctor", "--bpffs", pins.root().toString(), "--only", "datapath.selftest");
            assertEquals(2, after.exitCode(), after.out());
            assertTrue(after.out().contains("fail     datapath.selftest              no kpf maps are pinned under " + pins.root()
                    + ": kube-proxy replacement is not active on this node"), after.out());
        }
    }
}
