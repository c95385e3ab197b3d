package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The agent is killed with SIGKILL while a client keeps connecting to a VIP: no connection fails, because the
 * pinned links keep the programs attached; the restarted agent adopts the pins and its first sync writes nothing.
 */
class AgentRestartKernelIT {
    private static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();

    @TempDir
    Path dir;
    private TestNetwork net;
    private TemporaryCgroup cgroup;
    private PinDirectory pins;
    private final List<Process> agents = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("ip");
        KernelRequirement.requireCommand("nsenter");
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-restart-" + ProcessHandle.current().pid()));
        cgroup = TemporaryCgroup.create("kpf-test-restart-" + ProcessHandle.current().pid());
        net = TestNetwork.create();
        List<String> tcp = new ArrayList<>(List.of(PEER.toString(), "serve", "tcp", "120"));
        for (String a : TestNetwork.BACKENDS4) tcp.addAll(List.of(a, "8080"));
        net.startInBackends(tcp);
        Files.writeString(dir.resolve("cluster.yaml"), new String(Objects.requireNonNull(
                getClass().getResourceAsStream("/socketlb-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        for (Process p : agents) p.destroyForcibly();
        if (pins != null) BpfDatapath.cleanup(pins);
        if (net != null) net.close();
        if (cgroup != null) cgroup.close();
    }

    /** Starts an agent process and returns its output reader once it printed "ready". */
    private BufferedReader startAgent(List<String> seen) throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                AgentMain.class.getName(), dir.toString(), pins.root().toString(), cgroup.path().toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        agents.add(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = in.readLine()) != null) {
            seen.add(line);
            if (line.equals("ready")) return in;
        }
        fail("agent did not become ready: " + seen);
        return null;
    }

    @Test
    void kill_9_under_load_fails_no_connection_and_the_restart_adopts_without_writing() throws Exception {
        List<String> first = new ArrayList<>();
        startAgent(first);
        assertTrue(first.contains("adopted=false"), first.toString());

        // steady load: 30000 connections to the VIP from the test cgroup and client namespace
        String script = "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec nsenter --net=/run/netns/" + net.client
                + " " + PEER + " connect tcp 30000 10.96.100.1 80";
        Process client = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Thread.sleep(300);
        assertTrue(client.isAlive(), "the load runs while the agent is killed");
        agents.getFirst().destroyForcibly(); // SIGKILL: no clean-up code runs
        assertTrue(agents.getFirst().waitFor(10, TimeUnit.SECONDS));
        List<String> second = new ArrayList<>();
        startAgent(second);
        assertTrue(second.contains("adopted=true"), second.toString());
        assertEquals("sync written=0 deleted=0", second.get(second.indexOf("ready") - 1), "the first sync after adoption changes nothing: " + second);
        boolean loadSpannedRestart = client.isAlive();

        String out;
        try (var in = client.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(client.waitFor(120, TimeUnit.SECONDS));
        List<String> lines = out.lines().toList();
        assertEquals(30000, lines.size());
        List<String> failed = lines.stream().filter(l -> !l.startsWith("ok ")).toList();
        assertEquals(List.of(), failed, "connections that failed while the agent was dead or restarting");
        assertTrue(loadSpannedRestart, "the load was still running when the new agent had adopted the datapath");
    }
}
