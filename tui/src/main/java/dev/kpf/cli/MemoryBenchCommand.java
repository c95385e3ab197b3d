package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.agent.AgentJvm;
import dev.kpf.dataplane.agent.HeapWatch;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kpf bench memory}: the resident memory of a real agent process (BPF datapath on a throwaway cgroup and
 * pin directory, the JVM options of {@link AgentJvm}) that has synced N services x M endpoints, from the fake API
 * server through its informers and from a directory holding the same objects as one {@code kind: List} YAML file
 * (as {@code kubectl get -o yaml} writes it); how long after its launch it was ready; and, from the API server, its
 * memory again after each of three rounds of endpoint changes, each flipping back what the one before flipped (a
 * leak or a heap that only grows shows in the later rounds). Resident memory is read once it has settled: two
 * readings a second apart within 1 MB, at least 6 s after ready (the agent's collection after its first sync and a
 * native-heap trim have run by then). The fake API server runs in this process, on the cores the agent has: it writes
 * the objects' JSON once before the agent starts ({@code FakeApiServer.prepareLists}), as the work of a real API
 * server is done on other machines; serving the pages (filtering, copying, loopback) still shares the agent's cores.
 */
@Command(name = "memory", description = "Resident memory and time to ready of an agent process with N services x M endpoints, from the API server (then after rounds of endpoint changes) and from a directory.")
final class MemoryBenchCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--endpoints", defaultValue = "10", description = "Endpoints per service (default ${DEFAULT-VALUE}).")
    int endpoints;

    @Option(paramLabel = "HEAP", names = "--heap", description = "An -Xmx for the agent instead of the DaemonSet's (AgentJvm's -Xmx192m).")
    String heap;

    @Option(paramLabel = "OPTION", names = "--agent-jvm-option",
            description = "A JVM option for the agent after the DaemonSet's (a later one wins), to measure an alternative, e.g. --agent-jvm-option=-Xmn12m; repeatable.")
    List<String> agentJvmOptions = new ArrayList<>();

    @Option(paramLabel = "N", names = "--changes", defaultValue = "2000", description = "Endpoint changes streamed to the agent from the API server after it is ready (default ${DEFAULT-VALUE}; 0: none).")
    int changes;

    @Option(paramLabel = "kube|dir|both", names = "--source", defaultValue = "both", description = "kube, dir or both (default ${DEFAULT-VALUE}).")
    String source;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Resident memory once settled, or the last reading when it did not settle within 60 s. */
    private record Rss(long mb, boolean settled) {
        @Override
        public String toString() {
            return mb + " MB" + (settled ? "" : " (still moving after 60 s)");
        }
    }

    /**
     * @param afterChanges resident memory after each of three rounds of {@code changes}, each flipping back what the
     *                     one before flipped (a first round grows what only a change makes: the JIT's code for the
     *                     change path, a decoded copy of what changed; later rounds show whether growth goes on)
     */
    private record Measured(String source, double readySeconds, Rss rss, int changes, List<Rss> afterChanges, List<String> heapWarnings) {}

    /** Changes applied to the agent's source while it runs; returns how many. */
    private interface Changes {
        int apply() throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || endpoints < 0 || endpoints > 100 || (heap != null && !heap.matches("\\d+[mg]"))
                || changes < 0 || changes > 1_000_000
                || !List.of("kube", "dir", "both").contains(source)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range, or --source not kube, dir or both");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = Files.createTempDirectory("kpf-bench-memory");
        List<Measured> results = new ArrayList<>();
        try (FakeApiServer server = FakeApiServer.start(0)) {
            // with pod names in the endpoints' targetRefs, as on a real node (they cost 7 MB of live heap at 10,000 x 10 as strings; about 3 MB packed, PodName)
            List<JsonObject> objects = ScaleCluster.withPodRefs(services, endpoints, 0.2, 1).objects();
            if (!source.equals("dir")) {
                err.printf("serving %d services x %d endpoints from the fake API server%n", services, endpoints);
                err.flush();
                for (JsonObject o : objects) server.store().put(o);
                // the server's own work (writing the objects' JSON) done before the agent starts, not on its cores
                server.prepareLists();
                Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
                results.add(measure("API server (informers)", List.of("--source", "kube", "--kubeconfig", kubeconfig.toString()), dir,
                        changes == 0 ? null : changeStream(server, objects)));
            }
            if (!source.equals("kube")) {
                Path cluster = Files.createDirectory(dir.resolve("cluster"));
                Path file = cluster.resolve("cluster.yaml");
                writeList(objects, file);
                err.printf("wrote %d services x %d endpoints to %s (%.1f MB, one kind: List)%n", services, endpoints, file, Files.size(file) / 1e6);
                err.flush();
                results.add(measure("directory (" + String.format(java.util.Locale.ROOT, "%.0f MB of YAML", Files.size(file) / 1e6) + ")",
                        List.of("--source", "dir:" + cluster), dir, null));
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        out.printf("kpf bench memory: agent with %s%s%s, %d services x %d endpoints%n", AgentJvm.OPTIONS, heap == null ? "" : " -Xmx" + heap,
                agentJvmOptions.stream().map(o -> " " + o).collect(java.util.stream.Collectors.joining()),
                services, endpoints);
        for (Measured m : results) {
            out.printf("  %-28s ready %.1f s after launch (target < 10 s: %s); resident memory %s (target < 160 MB: %s)%n", m.source(),
                    m.readySeconds(), m.readySeconds() < 10 ? "met" : "MISSED", m.rss(), m.rss().mb() < 160 ? "met" : "MISSED");
            long before = m.rss().mb();
            for (int round = 0; round < m.afterChanges().size(); round++) {
                Rss after = m.afterChanges().get(round);
                out.printf("  %-28s resident memory %s after %d endpoint changes (%+d MB)%n", "", after, m.changes() * (round + 1), after.mb() - before);
                before = after.mb();
            }
            if (!m.heapWarnings().isEmpty()) {
                out.printf("  %-28s the agent warned %d time(s) that its heap is nearly full; the last: %s%n", "", m.heapWarnings().size(),
                        m.heapWarnings().getLast());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Writes the objects as `kubectl get -o yaml` would: one kind: List, block style. */
    static void writeList(List<JsonObject> objects, Path file) throws java.io.IOException {
        org.yaml.snakeyaml.DumperOptions options = new org.yaml.snakeyaml.DumperOptions();
        options.setDefaultFlowStyle(org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        Map<String, Object> list = new java.util.LinkedHashMap<>();
        list.put("apiVersion", "v1");
        list.put("items", objects.stream().map(MemoryBenchCommand::plain).toList());
        list.put("kind", "List");
        list.put("metadata", Map.of("resourceVersion", ""));
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            new org.yaml.snakeyaml.Yaml(options).dump(list, w);
        }
    }

    private static Object plain(com.google.gson.JsonElement e) {
        if (e.isJsonObject()) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), plain(x.getValue())));
            return m;
        }
        if (e.isJsonArray()) return e.getAsJsonArray().asList().stream().map(MemoryBenchCommand::plain).toList();
        if (e.isJsonNull()) return null;
        com.google.gson.JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) return p.getAsBoolean();
        if (p.isNumber()) return p.getAsBigDecimal().stripTrailingZeros().scale() <= 0 ? p.getAsLong() : p.getAsDouble();
        return p.getAsString();
    }

    /** The agent's warnings that its heap is nearly full ({@link HeapWatch}), each as its key=value fields. */
    private static List<String> heapWarnings(Path log) throws java.io.IOException {
        String marker = "msg=\"" + HeapWatch.message() + "\" ";
        return Files.readAllLines(log).stream().filter(l -> l.contains(marker))
                .map(l -> l.substring(l.indexOf(marker) + marker.length()).replaceAll(" remedy=.*", "")).toList();
    }

    /** How a stopped agent ended: its exit code, and what 3 means (the JVM says so on stdout, not in the log). */
    private static String exit(Process agent) {
        int code = agent.exitValue();
        return " (exit code " + code + (code == 3 ? ": out of memory; --heap gives it a larger -Xmx" : "") + ")";
    }

    /** The agent's last log lines, to say why it stopped. */
    private static String tail(Path log) throws java.io.IOException {
        List<String> lines = Files.readAllLines(log);
        return "; its last log lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    /**
     * Flips the ready condition of one endpoint per change, across the slices in turn, at most 200 changes a second:
     * each is a real change of a backend set the agent writes.
     */
    private Changes changeStream(FakeApiServer server, List<JsonObject> objects) {
        List<JsonObject> slices = objects.stream().filter(o -> o.get("kind").getAsString().equals("EndpointSlice"))
                .filter(o -> o.has("endpoints") && !o.getAsJsonArray("endpoints").isEmpty()).map(JsonObject::deepCopy).toList();
        // the same endpoints each round: a second round flips back what the first flipped
        return () -> streamChanges(server, slices);
    }

    private int streamChanges(FakeApiServer server, List<JsonObject> slices) throws InterruptedException {
        if (slices.isEmpty()) return 0;
        long start = System.nanoTime();
        for (int i = 0; i < changes; i++) {
            JsonObject slice = slices.get(i % slices.size());
            JsonObject endpoint = slice.getAsJsonArray("endpoints").get((i / slices.size()) % slice.getAsJsonArray("endpoints").size()).getAsJsonObject();
            if (!endpoint.has("conditions")) endpoint.add("conditions", new JsonObject());
            JsonObject conditions = endpoint.getAsJsonObject("conditions");
            conditions.addProperty("ready", conditions.has("ready") && !conditions.get("ready").getAsBoolean());
            server.store().put(slice);
            long due = start + TimeUnit.MILLISECONDS.toNanos(5L * (i + 1));
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        }
        return changes;
    }

    /**
     * The resident memory once it settles: two readings 1 s apart within 1 MB, the first at least 6 s from now (the
     * agent coalesces changes for 100 ms, so what was sent is synced by then); at most 60 s.
     */
    private static Rss settledRss(Process agent, String label, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Thread.sleep(6000);
        long last = rssMb(agent, label, log);
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long now = rssMb(agent, label, log);
            if (Math.abs(now - last) <= 1) return new Rss(now, true);
            last = now;
        }
        return new Rss(last, false);
    }

    private static long rssMb(Process agent, String label, Path log) throws java.io.IOException {
        if (!agent.isAlive()) throw new IllegalStateException("the agent (" + label + ") stopped during the measurement" + exit(agent) + tail(log));
        for (String l : Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
        }
        throw new IllegalStateException("no VmRSS for the agent (pid " + agent.pid() + ")");
    }

    /** Launches an agent with {@code sourceArgs}, waits for /readyz, and reads its resident memory (and again after {@code changes}). */
    private Measured measure(String label, List<String> sourceArgs, Path dir, Changes changes) throws Exception {
        Path log = Files.createTempFile(dir, "agent", ".log");
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-memory-" + pid));
        Process agent = null;
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-memory-" + pid)) {
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
            cmd.addAll(AgentJvm.options());
            if (heap != null) cmd.add("-Xmx" + heap);
            cmd.addAll(agentJvmOptions);
            cmd.addAll(List.of("-jar", new File(MemoryBenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath(), "agent"));
            cmd.addAll(sourceArgs);
            cmd.addAll(List.of("--node-name", "node-a", "--bpffs", pins.root().toString(), "--cgroup", cgroup.path().toString(),
                    "--listen", "127.0.0.1:0", "--devices", "none"));
            long t0 = System.nanoTime();
            ProcessBuilder launch = new ProcessBuilder(cmd);
            // as deploy/kpf.yaml's ConfigMap and bin/kpf set it, unless this command's own environment says otherwise
            // (MALLOC_ARENA_MAX=16 bin/kpf bench memory: glibc's default on 2 cores, 8 per core)
            launch.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
            agent = launch.redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            BufferedReader in = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            Matcher m = Pattern.compile("serving http://([0-9.]+):(\\d+)/").matcher(line == null ? "" : line);
            if (!m.find()) throw new IllegalStateException("the agent (" + label + ") did not start (too small a heap?): " + line + tail(log));
            URI ready = URI.create("http://" + m.group(1) + ":" + m.group(2) + "/readyz");
            HttpClient http = HttpClient.newHttpClient();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && agent.isAlive()) {
                try {
                    status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException notYet) {
                    status = 0;
                }
                if (status != 200) Thread.sleep(50);
            }
            if (status != 200 && !agent.isAlive()) {
                throw new IllegalStateException("the agent (" + label + ") stopped before it was ready" + exit(agent) + tail(log));
            }
            if (status != 200) throw new IllegalStateException("the agent (" + label + ") was not ready within 120 s (too small a heap?)" + tail(log));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Rss rss = settledRss(agent, label, log);
            List<Rss> after = new ArrayList<>();
            int applied = 0;
            for (int round = 0; round < 3 && changes != null; round++) {
                applied = changes.apply();
                if (applied == 0) break;
                after.add(settledRss(agent, label, log));
            }
            return new Measured(label, seconds, rss, applied, after, heapWarnings(log));
        } finally {
            if (agent != null) {
                agent.destroy();
                agent.waitFor(30, TimeUnit.SECONDS);
                agent.destroyForcibly();
            }
            BpfDatapath.cleanup(pins);
        }
    }
}
