package dev.kpf.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `kpf agent` start-up failures and clean-up, as a user meets them. */
class AgentCommandTest {
    @Test
    void a_pin_directory_outside_bpffs_is_a_clear_error_with_exit_1(@TempDir Path dir) {
        CommandRun run = CommandRun.of("agent", "--source", "demo", "--bpffs", dir.resolve("pins").toString(), "--listen", "127.0.0.1:0", "--devices", "none");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)"), run.err());
        assertTrue(run.err().contains("--simulate"), "names the way to run without BPF: " + run.err());
    }

    @Test
    void the_simulated_agent_runs_without_bpf_and_says_so() {
        String cluster = Path.of(System.getProperty("kpf.repoRoot", ".."), "testdata", "clusters", "clusterip-single").toAbsolutePath().toString();
        CommandRun run = CommandRun.of("agent", "--simulate", "--source", "dir:" + cluster, "--listen", "127.0.0.1:0", "--duration", "1");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("datapath simulated (in memory, no BPF: not serving traffic)"), run.out());
        assertTrue(run.out().contains("stopped; the datapath stays in place"), run.out());
    }

    /** Issue 18: an agent whose node name the cluster does not list refuses to program and exits 1 naming the fix. */
    @Test
    void an_unknown_node_name_is_an_error_and_nothing_is_programmed() {
        String cluster = Path.of(System.getProperty("kpf.repoRoot", ".."), "testdata", "clusters", "nodeport").toAbsolutePath().toString();
        long t0 = System.nanoTime();
        CommandRun run = CommandRun.of("agent", "--simulate", "--source", "dir:" + cluster, "--node-name", "worker-9", "--listen", "127.0.0.1:0",
                "--duration", "30");
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "it stops at once instead of running for --duration");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("kpf agent: nothing was programmed (what an earlier agent programmed stays): node \"worker-9\" is not one of the cluster's 2 Nodes (node-a, node-b): pass --node-name "
                + "(or set NODE_NAME)"), run.err());
    }

    @Test
    void cleanup_of_nothing_says_so_and_a_bad_listen_address_is_a_usage_error() {
        CommandRun run = CommandRun.of("agent", "--cleanup", "--bpffs", "/sys/fs/bpf/kpf-nothing-here-" + ProcessHandle.current().pid());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("nothing to remove under "), run.out());
        assertEquals(64, CommandRun.of("agent", "--simulate", "--source", "demo", "--listen", "nonsense").exitCode());
    }

    /** Review of issue 18: flags that belong to another mode are usage errors, never silently ignored. */
    @Test
    void a_dry_run_without_cleanup_is_a_usage_error_not_a_real_agent() {
        CommandRun agent = CommandRun.of("agent", "--dry-run", "--simulate", "--source", "demo", "--listen", "127.0.0.1:0", "--duration", "1");
        assertEquals(64, agent.exitCode(), agent.out());
        assertTrue(agent.err().contains("--dry-run goes with --cleanup"), agent.err());
    }

    /** Issue 18: --cleanup refuses a directory that is not on bpffs, removes nothing, and exits 1 with the reason. */
    @Test
    void cleanup_of_a_plain_directory_is_refused_and_removes_nothing(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("kpf_svc4"), "a plain file");
        CommandRun run = CommandRun.of("agent", "--cleanup", "--bpffs", dir.toString());
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.err().startsWith("kpf agent --cleanup: " + dir + " is not a directory on a BPF filesystem"), run.err());
        assertTrue(java.nio.file.Files.exists(dir.resolve("kpf_svc4")));
        CommandRun dry = CommandRun.of("agent", "--cleanup", "--dry-run", "--bpffs", dir.toString());
        assertEquals(1, dry.exitCode(), "a dry run is refused as well");
    }
}
