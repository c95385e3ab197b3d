package dev.kpf.cli;

import dev.kpf.cli.bench.ChurnClient;
import dev.kpf.cli.bench.IdentityServer;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.churn.ChurnCluster;
import dev.kpf.testdata.churn.ModelObjects;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The churn run behind {@code kpf bench churn} and its kernel test: a real {@code kpf agent} process watching the fake
 * API server, a {@link ChurnCluster} changed step by step through the API, real backends in a namespace of the run's
 * that answer with their own address ({@link IdentityServer}), and one client ({@link ChurnClient}) in a cgroup the
 * agent's programs are attached to and in a namespace without a default route, where Service addresses exist nowhere.
 *
 * <p>Each step: the change is published, and the client connects to every frontend (TCP and connected UDP, IPv4 and
 * IPv6; three times to those with ClientIP affinity) while the agent programs it, checked against the backends
 * before or after the change; then, once the maps read back equal the node's intent (the time from the change to
 * this is the programming latency), again against the backends after it. At one step the agent is killed with
 * SIGKILL and started again. Counted: connections, misrouted (answered by a backend that is not one of its
 * frontend's), failed while the frontend had backends, affinity broken (three connects of one round answered by
 * different backends), steps not programmed within the bound.
 */
final class ChurnBench {
    /** What a run measured. */
    record Report(long seed, int steps, int services, long connections, long misrouted, long failed, long refused, long affinityBroken,
                  long notProgrammed, double p50ms, double p99ms, double maxMs, double restartMs, List<String> problems) {
        boolean clean() {
            return misrouted == 0 && failed == 0 && affinityBroken == 0 && notProgrammed == 0;
        }
    }

    private static final int PROGRAMMED_WITHIN_S = 20;

    private final long seed;
    private final int steps, killAt;
    private final PrintWriter log;
    private final List<String> problems = new ArrayList<>();
    private long connections, misrouted, failed, refused, affinityBroken, notProgrammed;

    ChurnBench(long seed, int steps, int killAt, PrintWriter log) {
        this.seed = seed;
        this.steps = steps;
        this.killAt = killAt;
        this.log = log;
    }

    Report run() throws Exception {
        long pid = ProcessHandle.current().pid();
        String client = "kpfchurn" + pid + "c", backend = "kpfchurn" + pid + "b", vc = "kcc" + pid, vb = "kcb" + pid;
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-churn-" + pid));
        Path dir = Files.createTempDirectory("kpf-bench-churn");
        List<Process> processes = new ArrayList<>();
        Thread hook = new Thread(() -> stop(processes, pins));
        Runtime.getRuntime().addShutdownHook(hook);
        List<Double> latencies = new ArrayList<>();
        double restartMs = Double.NaN;
        ChurnCluster cluster = new ChurnCluster(seed, true);
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-churn-" + pid);
             BenchNamespace clientNs = BenchNamespace.create(client);
             BenchNamespace backendNs = BenchNamespace.create(backend);
             FakeApiServer api = FakeApiServer.start(0)) {
            try {
                topology(client, backend, vc, vb, dir);
                List<String> serverArgs = new ArrayList<>(List.of("900", "8080,8081"));
                for (int i = 0; i < ChurnCluster.POOL; i++) {
                    serverArgs.add(ChurnCluster.podIp(i, IpFamily.IPv4).getHostAddress());
                    serverArgs.add(ChurnCluster.podIp(i, IpFamily.IPv6).getHostAddress());
                }
                Process servers = java(backendNs.exec(), IdentityServer.class.getName(), serverArgs, true, false);
                processes.add(servers);
                if (!"ready".equals(new BufferedReader(new InputStreamReader(servers.getInputStream(), StandardCharsets.UTF_8)).readLine())) {
                    throw new IllegalStateException("the backends did not start");
                }
                ModelObjects objects = new ModelObjects(api.store());
                objects.publish(cluster.state());
                Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
                List<String> agentArgs = List.of("agent", "--source", "kube", "--kubeconfig", kubeconfig.toString(), "--node-name", ChurnCluster.NODE,
                        "--cgroup", cgroup.path().toString(), "--bpffs", pins.root().toString(), "--listen", "127.0.0.1:0", "--devices", "none",
                        "--health-check-address", "none", "--min-sync-interval", "0", "--log-level", "warn");
                Process agent = agent(agentArgs, processes);
                LbTable intent = translate(cluster);
                if (programmedWithin(pins, intent, 60) < 0) throw new IllegalStateException("the agent did not program the first table: " + difference(pins, intent));
                // into the cgroup first, then the namespace (ip netns exec would hide the cgroup mount under a new /sys)
                List<String> clientCmd = new ArrayList<>(List.of("bash", "-c", "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec \"$@\"",
                        "kpf-churn-client", "nsenter", "--net=/run/netns/" + client));
                Process clientProcess = java(clientCmd, ChurnClient.class.getName(), List.of(), true, true);
                processes.add(clientProcess);
                Writer toClient = new java.io.OutputStreamWriter(clientProcess.getOutputStream(), StandardCharsets.US_ASCII);
                BufferedReader fromClient = new BufferedReader(new InputStreamReader(clientProcess.getInputStream(), StandardCharsets.US_ASCII));
                round(toClient, fromClient, intent, intent, "start");
                for (int step = 1; step <= steps; step++) {
                    String what = cluster.step();
                    LbTable before = intent;
                    intent = translate(cluster);
                    boolean restart = step == killAt;
                    if (restart) {
                        agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL
                        processes.remove(agent);
                    }
                    long t0 = System.nanoTime();
                    objects.publish(cluster.state());
                    // connections while the change is programmed (while the agent is down at a restart), on a thread of
                    // their own while this one watches the maps
                    String during = "step " + step + " (" + what + "), during";
                    LbTable after = intent;
                    java.util.concurrent.FutureTask<Void> round = new java.util.concurrent.FutureTask<>(() -> {
                        round(toClient, fromClient, before, after, during);
                        return null;
                    });
                    Thread.ofPlatform().name("kpf-churn-round").start(round);
                    if (restart) agent = agent(agentArgs, processes);
                    long polling = System.nanoTime();
                    double ms = programmedWithin(pins, intent, PROGRAMMED_WITHIN_S);
                    round.get(120, TimeUnit.SECONDS);
                    if (ms < 0) {
                        notProgrammed++;
                        problem("step " + step + " (" + what + ") not programmed within " + PROGRAMMED_WITHIN_S + " s: " + difference(pins, intent));
                        continue;
                    }
                    double sinceChange = (polling - t0) / 1e6 + ms; // from the publish to the first reading equal to the intent
                    if (restart) restartMs = sinceChange;
                    else latencies.add(sinceChange);
                    round(toClient, fromClient, intent, intent, "step " + step + " (" + what + "), after");
                    if (step % 10 == 0) {
                        log.printf("step %d: %d connections, %d misrouted, %d failed, p99 %.1f ms%n", step, connections, misrouted, failed, percentile(latencies, 99));
                        log.flush();
                    }
                }
                toClient.close();
            } finally {
                stop(processes, pins); // before the cgroup and namespaces go: nothing of the run may still be in them
            }
        } finally {
            stop(processes, pins);
            BenchCleanup.finish(hook, dir);
            Files.deleteIfExists(ERRORS);
        }
        return new Report(seed, steps, cluster.services(), connections, misrouted, failed, refused, affinityBroken, notProgrammed,
                percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100), restartMs, List.copyOf(problems));
    }

    private void problem(String text) {
        if (problems.size() < 20) problems.add(text);
    }

    /** Client and backend namespaces joined by a veth pair; the pods' addresses on the backend end; no default route. */
    private static void topology(String client, String backend, String vc, String vb, Path dir) throws Exception {
        BenchNamespace.run(List.of("ip", "link", "add", vc, "netns", client, "type", "veth", "peer", "name", vb, "netns", backend), 30);
        StringBuilder c = new StringBuilder(), b = new StringBuilder();
        c.append("link set lo up\naddr add 10.205.0.1/24 dev ").append(vc).append("\naddr add fd00:205::1/64 dev ").append(vc).append(" nodad\n");
        c.append("link set ").append(vc).append(" up\nroute add 10.244.0.0/24 dev ").append(vc).append("\nroute add fd00:244::/64 dev ").append(vc).append('\n');
        b.append("link set lo up\naddr add 10.205.0.2/24 dev ").append(vb).append("\naddr add fd00:205::2/64 dev ").append(vb).append(" nodad\n");
        for (int i = 0; i < ChurnCluster.POOL; i++) {
            b.append("addr add ").append(ChurnCluster.podIp(i, IpFamily.IPv4).getHostAddress()).append("/32 dev ").append(vb).append('\n');
            b.append("addr add ").append(ChurnCluster.podIp(i, IpFamily.IPv6).getHostAddress()).append("/128 dev ").append(vb).append(" nodad\n");
        }
        b.append("link set ").append(vb).append(" up\n");
        Path cb = Files.writeString(dir.resolve("client.ip"), c), bb = Files.writeString(dir.resolve("backend.ip"), b);
        BenchNamespace.run(List.of("ip", "-n", client, "-batch", cb.toString()), 30);
        BenchNamespace.run(List.of("ip", "-n", backend, "-batch", bb.toString()), 30);
        // the client's own sysctls: no DAD delays, nothing else changes
        BenchNamespace.run(List.of("ip", "netns", "exec", client, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"), 30);
    }

    /** The node's intent: what the agent's translation makes of the cluster for this node. */
    private static LbTable translate(ChurnCluster cluster) {
        return new ServiceTranslator(ChurnCluster.NODE).translate(cluster.state());
    }

    /** Polls the pinned maps until they hold {@code intent}; returns the milliseconds it took, or -1 after {@code seconds}. */
    private static double programmedWithin(PinDirectory pins, LbTable intent, int seconds) throws InterruptedException {
        long t0 = System.nanoTime(), deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
        Map<Frontend, String> want = canonical(intent);
        while (System.nanoTime() < deadline) {
            try {
                if (canonical(PinnedTable.read(pins)).equals(want)) return (System.nanoTime() - t0) / 1e6;
            } catch (RuntimeException notYet) {
                // pins not there yet (agent starting)
            }
            Thread.sleep(2);
        }
        return -1;
    }

    private static String difference(PinDirectory pins, LbTable intent) {
        Map<Frontend, String> want = canonical(intent), have;
        try {
            have = canonical(PinnedTable.read(pins));
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        List<String> out = new ArrayList<>();
        for (Frontend f : want.keySet()) if (!want.get(f).equals(have.get(f))) out.add(f + " wants " + want.get(f) + ", has " + have.get(f));
        for (Frontend f : have.keySet()) if (!want.containsKey(f)) out.add(f + " is programmed, not wanted");
        return out.size() > 5 ? out.subList(0, 5) + " and " + (out.size() - 5) + " more" : out.toString();
    }

    /** Each frontend's backends (address, port, state, locality) and affinity: what the maps can show. */
    private static Map<Frontend, String> canonical(LbTable t) {
        Map<Frontend, String> out = new TreeMap<>();
        for (LbEntry e : t.entries().values()) {
            Set<String> backends = new TreeSet<>();
            for (Backend b : e.backends()) backends.add(b.address().getHostAddress() + ":" + b.port() + " " + b.state() + (b.local() ? " local" : ""));
            out.put(e.frontend(), backends + " affinity=" + e.affinityTimeoutSeconds());
        }
        return out;
    }

    /** A target the client connects to: a frontend address, port and protocol as a socket on the node sees it. */
    private record Target(InetAddress address, int port, String protocol) {}

    /** For sockets on the node, a frontend serves with its internal entry when it has one (externalTrafficPolicy: Local). */
    private static Map<Target, Set<String>> nodeView(LbTable t) {
        Map<Target, Set<String>> out = new HashMap<>();
        Map<Target, Boolean> internal = new HashMap<>();
        for (LbEntry e : t.entries().values()) {
            Frontend f = e.frontend();
            if (f.address().isAnyLocalAddress()) continue; // "every node address": no client connects to it as such
            Target target = new Target(f.address(), f.port(), f.protocol().name().toLowerCase(java.util.Locale.ROOT));
            boolean isInternal = f.scope() == Scope.INTERNAL;
            if (internal.getOrDefault(target, false) && !isInternal) continue;
            Set<String> backends = new HashSet<>();
            for (Backend b : e.backends()) backends.add(b.address().getHostAddress() + ":" + b.port());
            out.put(target, backends);
            internal.put(target, isInternal);
        }
        return out;
    }

    /**
     * One round of connections to every frontend of {@code before} and {@code after}: each answer must come from a
     * backend the frontend has in one of them; a failure counts unless one of them has no backends (refused) or no
     * such frontend (not translated yet or any more).
     */
    private void round(Writer to, BufferedReader from, LbTable before, LbTable after, String where) throws Exception {
        Map<Target, Set<String>> old = nodeView(before), now = nodeView(after);
        Set<Target> targets = new java.util.LinkedHashSet<>(now.keySet());
        targets.addAll(old.keySet());
        Map<Target, Integer> counts = new HashMap<>();
        Set<Target> affinity = new HashSet<>();
        for (LbEntry e : after.entries().values()) {
            if (e.affinityTimeoutSeconds() > 0) {
                Frontend f = e.frontend();
                affinity.add(new Target(f.address(), f.port(), f.protocol().name().toLowerCase(java.util.Locale.ROOT)));
            }
        }
        StringBuilder request = new StringBuilder();
        for (Target t : targets) {
            int n = affinity.contains(t) && before == after ? 3 : 1;
            counts.put(t, n);
            request.append(t.protocol()).append(' ').append(t.address().getHostAddress()).append(' ').append(t.port()).append(' ').append(n).append('\n');
        }
        request.append("end\n");
        to.write(request.toString());
        to.flush();
        Map<Target, Set<String>> answeredBy = new HashMap<>();
        String line;
        while ((line = from.readLine()) != null && !line.equals("done")) {
            String[] f = line.split(" ");
            Target t = new Target(InetAddress.getByName(f[0]), Integer.parseInt(f[1]), f[2]);
            connections++;
            Set<String> allowed = new HashSet<>(old.getOrDefault(t, Set.of()));
            allowed.addAll(now.getOrDefault(t, Set.of()));
            boolean mayFail = !old.containsKey(t) || !now.containsKey(t) || old.get(t).isEmpty() || now.get(t).isEmpty();
            if (f[3].equals("ok")) {
                String backend = normalise(f[4]);
                answeredBy.computeIfAbsent(t, k -> new HashSet<>()).add(backend);
                if (!allowed.contains(backend)) {
                    misrouted++;
                    problem(where + ": " + t.protocol() + " " + f[0] + ":" + f[1] + " answered by " + backend + ", not one of " + allowed);
                }
            } else if (f[4].equals("ECONNREFUSED") && (old.getOrDefault(t, Set.of()).isEmpty() || now.getOrDefault(t, Set.of()).isEmpty())) {
                refused++;
            } else if (!mayFail) {
                failed++;
                problem(where + ": " + t.protocol() + " " + f[0] + ":" + f[1] + " failed (" + f[4] + ") while it had backends " + allowed);
            }
        }
        if (line == null) throw new IllegalStateException("the client stopped: " + errors());
        for (Map.Entry<Target, Set<String>> e : answeredBy.entrySet()) {
            if (counts.get(e.getKey()) > 1 && e.getValue().size() > 1) {
                affinityBroken++;
                problem(where + ": ClientIP affinity of " + e.getKey().address().getHostAddress() + ":" + e.getKey().port() + " answered by " + e.getValue());
            }
        }
    }

    /** "10.244.0.5:8080" or "fd00:244:0:0:0:0:0:5:8080" as address:port with the address in Java's form. */
    private static String normalise(String identity) throws Exception {
        int colon = identity.lastIndexOf(':');
        return InetAddress.getByName(identity.substring(0, colon)).getHostAddress() + identity.substring(colon);
    }

    private static Process agent(List<String> args, List<Process> processes) throws Exception {
        Process p = java(List.of(), Main.class.getName(), args, false, false);
        processes.add(p);
        return p;
    }

    /**
     * A JVM on this process's class path under {@code prefix} (namespace, cgroup); its output is read when
     * {@code output}, and it reads what the run writes when {@code input} (else /dev/null).
     */
    private static Process java(List<String> prefix, String main, List<String> args, boolean output, boolean input) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(args);
        ProcessBuilder b = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(ERRORS.toFile()));
        if (!output) b.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (!input) b.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return b.start();
    }

    /** Where the run's processes write their errors, quoted when one stops (removed at the end). */
    private static final Path ERRORS = Path.of(System.getProperty("java.io.tmpdir"), "kpf-bench-churn-" + ProcessHandle.current().pid() + ".err");

    private static String errors() {
        try {
            List<String> lines = Files.readAllLines(ERRORS);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (java.io.IOException e) {
            return "(no error output)";
        }
    }

    private static void stop(List<Process> processes, PinDirectory pins) {
        BenchCleanup.stop(processes);
        try {
            BpfDatapath.cleanup(pins);
        } catch (RuntimeException gone) {
            // nothing pinned
        }
    }

    static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) return Double.NaN;
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
