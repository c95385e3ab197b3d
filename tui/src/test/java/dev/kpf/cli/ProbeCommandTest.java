package dev.kpf.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeRunner;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `kpf probe` as a user and a script see it: text, JSON schema kpf.probe/v1, exit codes. */
class ProbeCommandTest {
    private static final String OLD_UBUNTU = Golden.fixture("ubuntu-20.04-kernel-5.4").toString();

    @Test
    void text_report_for_an_old_ubuntu_node_explains_why_it_is_not_ready() throws Exception {
        CommandRun run = CommandRun.of("probe", "--root", OLD_UBUNTU);
        assertEquals(1, run.exitCode(), run.err());
        Golden.assertMatches("probe-ubuntu-20.04-kernel-5.4.txt", run.normalizedOut());
        assertFalse(run.out().contains("\u001b["), "no colour when not on a terminal");
    }

    @Test
    void json_report_follows_schema_v1() throws Exception {
        CommandRun run = CommandRun.of("probe", "--json", "--root", OLD_UBUNTU);
        assertEquals(1, run.exitCode());
        Golden.assertMatches("probe-ubuntu-20.04-kernel-5.4.json", run.normalizedOut());
        JsonObject doc = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals(ProbeJson.topLevelFields(), List.copyOf(doc.keySet()));
        assertEquals("kpf.probe/v1", doc.get("schema").getAsString());
        assertEquals("not-ready", doc.get("verdict").getAsString());
        assertEquals(1, doc.get("exitCode").getAsInt());
        JsonArray probes = doc.getAsJsonArray("probes");
        List<String> ids = StreamSupport.stream(probes.spliterator(), false).map(p -> p.getAsJsonObject().get("id").getAsString()).toList();
        assertEquals(List.of("os.supported", "kernel.version", "libbpf", "bpf.syscall", "bpf.btf", "bpf.fs", "cgroup.v2",
                "bpf.jit", "bpf.unprivileged", "caps", "memlock", "bpf.prog-types", "bpf.map-types", "bpf.helpers",
                "bpf.attach-types", "bpf.tc", "bpf.sock-destroy", "kernel.config"), ids);
        for (var p : probes) {
            assertTrue(p.getAsJsonObject().keySet().containsAll(List.of("id", "status", "observed", "required", "features", "remedy")));
        }
    }

    @Test
    void a_fixture_tree_cannot_answer_kernel_feature_questions_so_a_healthy_one_is_unknown() {
        CommandRun run = CommandRun.of("probe", "--root", Golden.fixture("ubuntu-22.04-kernel-5.15").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.out().contains("Verdict: UNKNOWN"), run.out());
        assertTrue(run.out().contains("kernel features are probed only on the live system"), run.out());
    }

    @Test
    void usage_errors_exit_64_with_one_line() {
        CommandRun missingDir = CommandRun.of("probe", "--root", "/nonexistent/kpf-fixture");
        assertEquals(64, missingDir.exitCode());
        assertEquals("kpf probe: --root /nonexistent/kpf-fixture is not a directory\n", missingDir.err());
        assertEquals(64, CommandRun.of("probe", "--bogus").exitCode());
        assertEquals(64, CommandRun.of("no-such-command").exitCode());
    }

    @Test
    void colour_only_when_asked_for() {
        var report = ProbeRunner.run(new HostRoot(Golden.fixture("ubuntu-20.04-kernel-5.4")),
                dev.kpf.probes.probe.KernelFeatures.notProbed("fixture"));
        assertTrue(new ProbeText(true).render(report).contains("\u001b[31;1mfail"));
        assertFalse(new ProbeText(false).render(report).contains("\u001b["));
    }
}
