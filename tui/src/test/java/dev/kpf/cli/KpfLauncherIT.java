package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The packaged binary as users run it: bin/kpf with the shaded jar, in a separate process. */
class KpfLauncherIT {
    private static final Path REPO = Path.of(System.getProperty("kpf.repoRoot", "..")).toAbsolutePath().normalize();

    record Result(int code, String out, String err) {}

    static Result kpf(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/kpf").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        // both streams go to files, so that the wait below bounds the run even when the process never ends
        Path out = Files.createTempFile("kpf-out", ".txt"), err = Files.createTempFile("kpf-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("bin/kpf " + String.join(" ", args) + " did not end within 60 s; its stderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    @Test
    void version_runs_from_the_packaged_jar() throws Exception {
        Result r = kpf(Map.of(), "version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("kpf 0.1.0"), r.out());
        assertEquals("", r.err(), "no JVM warnings (native access is enabled by the launcher and the manifest)");
    }

    @Test
    void probe_json_on_this_machine_is_valid_and_its_exit_code_matches_the_verdict() throws Exception {
        Result r = kpf(Map.of(), "probe", "--json");
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("kpf.probe/v1", doc.get("schema").getAsString());
        assertEquals(doc.get("exitCode").getAsInt(), r.code(), r.out());
        assertEquals("", r.err(), "libbpf's messages stay out of the output unless --debug");
    }

    @Test
    void probe_text_has_no_colour_when_piped_and_names_the_verdict() throws Exception {
        Result r = kpf(Map.of("NO_COLOR", "1"), "probe");
        assertFalse(r.out().contains("\u001b["));
        assertTrue(r.out().contains("Verdict: "), r.out());
    }

    @Test
    void probe_of_a_fixture_and_usage_errors_have_their_exit_codes() throws Exception {
        Path old = REPO.resolve("testdata/hosts/ubuntu-20.04-kernel-5.4");
        assertEquals(1, kpf(Map.of(), "probe", "--root", old.toString()).code());
        Result bogus = kpf(Map.of(), "probe", "--no-such-flag");
        assertEquals(64, bogus.code());
        assertTrue(bogus.err().startsWith("kpf probe: Unknown option: '--no-such-flag'"), bogus.err());
    }

    @Test
    void the_demo_api_server_serves_kubectl_and_kpf_services(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("demo.kubeconfig");
        Process server = new ProcessBuilder(REPO.resolve("bin/kpf").toString(), "demo", "apiserver", "--duration", "60",
                "--kubeconfig-out", kubeconfig.toString())
                .redirectOutput(dir.resolve("server.out").toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(kubeconfig) && System.nanoTime() < deadline && server.isAlive()) Thread.sleep(50);
            assertTrue(Files.exists(kubeconfig), "kubeconfig written: " + Files.readString(dir.resolve("server.out")));
            Result services = kpf(Map.of(), "services", "--source", "kube", "--kubeconfig", kubeconfig.toString(), "--node-name", "node-a");
            assertEquals(0, services.code(), services.err());
            assertTrue(services.out().contains("10.96.0.10:53/UDP"), services.out());
            Process kubectl = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "get", "daemonsets", "--all-namespaces")
                    .redirectErrorStream(true).start();
            String ds;
            try (var in = kubectl.getInputStream()) {
                ds = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(kubectl.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, kubectl.exitValue(), ds);
            assertTrue(ds.contains("anetd") && !ds.contains("kube-proxy"), ds);
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the demo server stops on SIGTERM");
        }
        assertTrue(Files.readString(dir.resolve("server.out")).contains("stopped"), "it shut down cleanly");
    }

    @Test
    void an_agent_without_privileges_exits_1_with_the_reason_and_leaves_nothing(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true and setpriv is missing");
            org.junit.jupiter.api.Assumptions.abort("needs setpriv");
        }
        // the unprivileged user gets world-readable copies of the jar and of a cluster directory
        Path jar = Files.copy(REPO.resolve("tui/target/kpf.jar"), dir.resolve("kpf.jar"));
        Path cluster = Files.createDirectories(dir.resolve("cluster"));
        Files.copy(REPO.resolve("testdata/clusters/clusterip-single/cluster.yaml"), cluster.resolve("cluster.yaml"));
        for (Path p : List.of(dir, cluster, jar, cluster.resolve("cluster.yaml"))) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        for (Path p = dir.getParent(); p != null && !p.toString().equals("/tmp") && p.getNameCount() > 0; p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path pins = Path.of("/sys/fs/bpf/kpf-nobody-" + ProcessHandle.current().pid());
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "agent", "--source", "dir:" + cluster,
                "--bpffs", pins.toString(), "--listen", "127.0.0.1:0", "--devices", "none")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("kpf agent: cannot set up the BPF datapath:"), out);
        assertTrue(out.contains("run as root"), "names the fix: " + out);
        assertFalse(Files.exists(pins), "nothing pinned");
    }

    @Test
    void an_agent_pointed_at_a_cgroup_v1_directory_exits_1_and_leaves_nothing_attached() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        if (!Files.isDirectory(v1) || "cgroup2fs".equals(Files.getFileStore(v1).type())) {
            org.junit.jupiter.api.Assumptions.abort("this host has no cgroup v1 hierarchy to point at");
        }
        Path pins = Path.of("/sys/fs/bpf/kpf-v1-" + ProcessHandle.current().pid());
        Result r = kpf(Map.of(), "agent", "--source", "dir:" + REPO.resolve("testdata/clusters/clusterip-single"), "--cgroup", v1.toString(),
                "--bpffs", pins.toString(), "--listen", "127.0.0.1:0", "--devices", "none");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("kpf agent: cannot set up the BPF datapath: attach program kpf_sock4_connect to /sys/fs/cgroup/memory"), r.err());
        assertFalse(Files.exists(pins), "the maps this attempt pinned are removed again");
    }

    @Test
    void the_bash_completion_script_is_valid_bash(@TempDir Path dir) throws Exception {
        Result r = kpf(Map.of(), "completion", "bash");
        assertEquals(0, r.code());
        Path script = dir.resolve("kpf.bash");
        Files.writeString(script, r.out());
        Process check = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
        String out;
        try (var in = check.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), out);
    }

    /**
     * Issue 17: the agent's stderr is its log stream, one record per line with a timestamp: key=value text by
     * default at info (each sync summarised), JSON with --log-format json, only warnings with --log-level warn.
     */
    @Test
    void the_agent_logs_one_record_per_line_in_text_or_json_at_the_level_asked() throws Exception {
        String[] agent = {"agent", "--simulate", "--source", "demo", "--listen", "127.0.0.1:0", "--duration", "2"};
        Result text = kpf(Map.of(), agent);
        assertEquals(0, text.code(), text.err());
        List<String> lines = text.err().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains(" level=INFO logger=agent msg=synced kind=full frontends=")), text.err());
        for (String l : lines) assertTrue(l.matches("time=\\d{4}-\\d\\d-\\d\\dT\\S+Z level=[A-Z]+ logger=\\S+ msg=.*"), "a key=value record: " + l);

        List<String> withJson = new ArrayList<>(List.of(agent));
        withJson.addAll(List.of("--log-format", "json"));
        Result json = kpf(Map.of(), withJson.toArray(String[]::new));
        assertEquals(0, json.code(), json.err());
        List<JsonObject> records = json.err().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertTrue(records.stream().anyMatch(r -> r.get("formattedMessage").getAsString().equals("synced")), json.err());

        List<String> quiet = new ArrayList<>(List.of(agent));
        quiet.addAll(List.of("--log-level", "warn"));
        Result warn = kpf(Map.of(), quiet.toArray(String[]::new));
        assertEquals(0, warn.code(), warn.err());
        assertFalse(warn.err().contains("synced"), warn.err());
        Result bad = kpf(Map.of(), "agent", "--log-level", "loud");
        assertEquals(64, bad.code());
        assertTrue(bad.err().contains("error, warn, info, debug, trace"), "names the valid levels: " + bad.err());
    }

    @TempDir
    static Path shared;
    private static Path tenThousand;

    /** A directory of 10,000 Services x 10 endpoints (one 16 MB kind: List), written once for the tests that read it. */
    private static synchronized Path tenThousandServices() throws Exception {
        if (tenThousand == null) {
            Path cluster = Files.createDirectory(shared.resolve("ten-thousand"));
            MemoryBenchCommand.writeList(dev.kpf.testdata.scale.ScaleCluster.generate(10_000, 10, 0.2, 1).objects(), cluster.resolve("cluster.yaml"));
            tenThousand = cluster;
        }
        return tenThousand;
    }

    /**
     * Issue 17: a directory of 10,000 Services x 10 endpoints (one 16 MB kind: List, as kubectl writes it) is read
     * as a stream: the agent is ready with a 128 MB heap (reading it as one tree needed more and died).
     */
    @Test
    void a_directory_of_ten_thousand_services_streams_into_a_128_mb_heap() throws Exception {
        Path cluster = tenThousandServices();
        Result r = kpf(Map.of("KPF_JAVA_OPTS", "-Xmx128m"), "agent", "--simulate", "--source", "dir:" + cluster, "--node-name", "node-a", "--listen", "127.0.0.1:0",
                "--duration", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("msg=ready frontends=13162"), r.err());
    }

    /**
     * Issue 20: an agent whose heap cannot hold its cluster (the same 10,000 x 10 directory in 36 MB; it holds in 48 MB since the live set shrank) exits with code
     * 3, its log having said how full the heap was and what to raise. It used to stay up with its main thread dead
     * of an OutOfMemoryError: never ready, never exiting, so nothing restarted it.
     */
    @Test
    void an_agent_whose_heap_cannot_hold_its_cluster_exits_3_and_its_log_names_the_fix() throws Exception {
        Path cluster = tenThousandServices();
        Result r = kpf(Map.of("KPF_JAVA_OPTS", "-Xmx36m"), "agent", "--simulate", "--source", "dir:" + cluster, "--node-name", "node-a",
                "--listen", "127.0.0.1:0");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().contains("Terminating due to java.lang.OutOfMemoryError"), "the JVM says why, on stdout: " + r.out());
        List<String> warnings = r.err().lines().filter(l -> l.contains("level=WARN logger=agent msg=\"heap nearly full: the agent exits with code 3 if it runs out\"")).toList();
        assertFalse(warnings.isEmpty(), "the log warned before the end: " + r.err());
        assertTrue(warnings.getLast().contains("xmx_mb=36") && warnings.getLast().contains("raise -Xmx in KPF_JAVA_OPTS"), warnings.getLast());
    }

    /**
     * bin/kpf finds its repository through a symlink to it (one on PATH), and picks its JDK by the release file's
     * JAVA_VERSION without starting a JVM: a JAVA_HOME whose release file says 17 is passed over even though its
     * java would claim 25 if asked (so a release file read wrongly picks the wrong JDK, and kpf does not start).
     */
    @Test
    void the_launcher_runs_through_a_symlink_and_picks_its_jdk_by_the_release_file(@TempDir Path dir) throws Exception {
        Path link = dir.resolve("kpf");
        Files.createSymbolicLink(link, REPO.resolve("bin/kpf"));
        Path jdk = dir.resolve("jdk-17");
        Files.createDirectories(jdk.resolve("bin"));
        Path fakeJava = jdk.resolve("bin/java");
        Files.writeString(fakeJava, "#!/bin/sh\necho '    java.specification.version = 25' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fakeJava, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"Example\"\nJAVA_VERSION=\"17.0.9\"\n");
        ProcessBuilder pb = new ProcessBuilder(link.toString(), "version").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", jdk.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("kpf ") && out.contains("\njava 25"), out);
    }

    /** Issue 18: kubectl finds bin/kubectl-kpf as a plugin, and `kubectl kpf ...` runs kpf with the arguments. */
    @Test
    void kubectl_runs_kpf_as_a_plugin() throws Exception {
        dev.kpf.probes.KernelRequirement.requireCommand("kubectl");
        String path = REPO.resolve("bin") + File.pathSeparator + System.getenv("PATH");
        ProcessBuilder list = new ProcessBuilder("kubectl", "plugin", "list").redirectErrorStream(true);
        list.environment().put("PATH", path);
        Process p = list.start();
        String plugins = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(plugins.contains(REPO.resolve("bin/kubectl-kpf").toString()), plugins);
        ProcessBuilder doctor = new ProcessBuilder("kubectl", "kpf", "doctor", "--only", "bogus.id").redirectErrorStream(true);
        doctor.environment().put("PATH", path);
        Process d = doctor.start();
        String out = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(d.waitFor(60, TimeUnit.SECONDS));
        assertEquals(64, d.exitValue(), "kpf's own exit code comes through: " + out);
        assertTrue(out.startsWith("kpf doctor: --only bogus.id: no such check"), out);
    }
}
