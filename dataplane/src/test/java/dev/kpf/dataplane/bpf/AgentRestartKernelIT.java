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
        List<String> cmd = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
                AgentMain.class, dir.toString(), pins.root().toString(), cgroup.path().toString());
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

    private List<String> connect(int count) throws Exception {
        String script = "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec nsenter --net=/run/netns/" + net.client
                + " " + PEER + " connect tcp " + count + " 10.96.100.1 80";
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out.lines().toList();
    }

    @Test
    void an_endpoint_removed_from_the_source_gets_no_new_connections_within_the_sync_interval() throws Exception {
        startAgent(new ArrayList<>());
        assertTrue(connect(300).stream().anyMatch(l -> l.startsWith("ok 10.203.0.4:8080")), "all three backends in use first");
        Path file = dir.resolve("cluster.yaml");
        String yaml = Files.readString(file);
        String without = yaml.replace("- addresses: [10.203.0.4]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6",
                "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-v6");
        assertTrue(!without.equals(yaml));
        long t0 = System.nanoTime();
        Files.writeString(file, without);
        // the source polls every 100 ms; allow ten intervals, checking in batches of 100 connections
        boolean gone = false;
        for (int i = 0; i < 20 && !gone; i++) {
            gone = connect(100).stream().noneMatch(l -> l.contains("10.203.0.4"));
            if (!gone) Thread.sleep(50);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(gone && ms < 1000, "10.203.0.4 still chosen after " + ms + " ms");
        List<String> after = connect(300);
        assertTrue(after.stream().allMatch(l -> l.startsWith("ok ") && !l.contains("10.203.0.4")), after.toString());
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
