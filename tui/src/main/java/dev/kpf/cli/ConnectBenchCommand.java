package dev.kpf.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kpf.cli.bench.AcceptServer;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpf bench connect}: connect+close rate from a client namespace to a backend namespace, to the backend
 * directly, to a Service VIP through kpf (with N services in the maps), and to the same VIP through kube-proxy's
 * iptables DNAT rules for the same N services (the VIP's rule last in KUBE-SERVICES, as for the newest Service).
 * kpf is measured three times: tracing off, on (a tracer in this process reads every event, as kpf trace does),
 * and off again, so the cost of tracing is compared with the rates around it.
 * Everything runs in namespaces and a cgroup this command creates and removes.
 */
@Command(name = "connect", description = "Connect rate: direct vs through kpf (tracing off and on) vs through kube-proxy-shaped iptables DNAT.")
final class ConnectBenchCommand implements Callable<Integer> {
    static final String VIP = "10.127.255.1", BACKEND = "10.204.0.2", CLIENT = "10.204.0.1";

    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services in kpf's maps and in the iptables rules (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--connections", defaultValue = "20000", description = "Measured connections per variant (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(paramLabel = "SECONDS", names = "--cap", defaultValue = "120", description = "Seconds the iptables rules may take to load (default ${DEFAULT-VALUE}).")
    int capSeconds;

    @Option(names = "--json", description = "Print {\"schema\": \"kpf.bench/v1\", ...}.")
    boolean json;

    @Option(paramLabel = "N", names = "--rounds", defaultValue = "3", description = "Rounds of direct, kpf and kpf traced, interleaved; each variant's median is reported (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--no-iptables", description = "Skip the iptables variant (its rules take long to load at 10,000 services).")
    boolean noIptables;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || connections < 100 || connections > 1_000_000 || rounds < 1 || rounds > 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long pid = ProcessHandle.current().pid();
        String client = "kpfconn" + pid + "c", backend = "kpfconn" + pid + "b";
        String vc = "kcc" + pid, vb = "kcb" + pid;
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-connect-" + pid));
        Path dir = Files.createTempDirectory("kpf-bench-connect");
        List<Process> servers = new ArrayList<>();
        // the namespaces go on close and on Ctrl-C; the pins need a hook of their own
        Thread hook = new Thread(() -> cleanupPins(pins));
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, Double> rates = new LinkedHashMap<>();
        long traced;
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-connect-" + pid);
             BenchNamespace clientNs = BenchNamespace.create(client);
             BenchNamespace backendNs = BenchNamespace.create(backend)) {
            err.println("setting up namespaces " + client + " and " + backend);
            err.flush();
            run("ip", "link", "add", vc, "netns", client, "type", "veth", "peer", "name", vb, "netns", backend);
            run("ip", "-n", client, "link", "set", "lo", "up");
            run("ip", "-n", backend, "link", "set", "lo", "up");
            run("ip", "-n", client, "addr", "add", CLIENT + "/24", "dev", vc);
            run("ip", "-n", backend, "addr", "add", BACKEND + "/24", "dev", vb);
            run("ip", "-n", client, "link", "set", vc, "up");
            run("ip", "-n", backend, "link", "set", vb, "up");
            // iptables DNAT in OUTPUT needs a route to the VIP; a Service-range route, never a default route
            run("ip", "-n", client, "route", "add", "10.96.0.0/11", "dev", vc);
            servers.add(start(backendNs.exec(), AcceptServer.class, List.of(BACKEND, "8080", "900")));

            LbTable table = table();
            err.printf("kpf: %d frontends into the BPF maps%n", table.size());
            err.flush();
            try (BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()))) {
                datapath.apply(table);
                // the variants take turns, so that a slow moment of this VM does not land on one of them only
                double[] direct = new double[rounds], untraced = new double[rounds], withTracer = new double[rounds];
                long read = 0;
                for (int r = 0; r < rounds; r++) {
                    int round = r;
                    direct[r] = rate(cgroup, client, BACKEND);
                    untraced[r] = rate(cgroup, client, VIP);
                    read += traced(pins, () -> withTracer[round] = rate(cgroup, client, VIP));
                }
                traced = read;
                rates.put("direct", median(direct));
                rates.put("kpf", median(untraced));
                rates.put("kpf-traced", median(withTracer));
            }
            BpfDatapath.cleanup(pins);
            if (noIptables) return report(out, rates, traced);
            Path rules = Files.writeString(dir.resolve("rules"), KubeProxyRules.iptables(table));
            err.printf("iptables: loading kube-proxy's rules for %d services into %s (cap %d s)%n", services, client, capSeconds);
            err.flush();
            long t = System.nanoTime();
            Process restore = clientNs.start(List.of("iptables-restore", rules.toString()), ProcessBuilder.Redirect.DISCARD);
            if (!restore.waitFor(capSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("iptables-restore took over " + capSeconds + " s; raise --cap or lower --services");
            }
            if (restore.exitValue() != 0) throw new IllegalStateException("iptables-restore failed");
            err.printf("iptables: loaded in %.1f s%n", (System.nanoTime() - t) / 1e9);
            err.flush();
            rates.put("iptables", rate(null, client, VIP));
        } finally {
            servers.forEach(Process::destroyForcibly);
            cleanupPins(pins);
            BenchCleanup.finish(hook, dir);
        }
        return report(out, rates, traced);
    }

    /** A measurement while a tracer reads every event on a thread of its own; returns how many events it read. */
    private long traced(PinDirectory pins, Measurement measurement) throws Exception {
        long[] events = {0};
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (dev.kpf.dataplane.trace.Tracer tracer = dev.kpf.dataplane.trace.Tracer.start(pins)) {
            Thread reader = Thread.ofPlatform().name("kpf-bench-tracer").start(() -> {
                while (!stop.get()) tracer.poll(java.time.Duration.ofMillis(100), e -> events[0]++);
                tracer.poll(java.time.Duration.ofMillis(100), e -> events[0]++);
            });
            try {
                measurement.run();
            } finally {
                stop.set(true);
                reader.join();
            }
            lost = tracer.lost();
        }
        return events[0];
    }

    /** Events of the traced run the programs could not write (the tracer fell behind). */
    private long lost;

    private interface Measurement {
        void run() throws Exception;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private int report(PrintWriter out, Map<String, Double> rates, long traced) {
        double tracedOverUntraced = rates.get("kpf-traced") / rates.get("kpf");
        long expectedEvents = rounds * (connections + 2000L);
        if (!rates.containsKey("iptables")) rates.put("iptables", Double.NaN);
        double kpfOverDirect = rates.get("kpf") / rates.get("direct");
        double kpfOverIptables = rates.get("kpf") / rates.get("iptables");
        if (json) {
            JsonObject doc = new JsonObject();
            doc.addProperty("schema", "kpf.bench/v1");
            doc.addProperty("benchmark", "connect");
            doc.addProperty("services", services);
            JsonArray figures = new JsonArray();
            rates.forEach((k, v) -> {
                if (v.isNaN()) return;
                JsonObject f = new JsonObject();
                f.addProperty("name", k + " connect rate");
                f.addProperty("value", Math.round(v));
                f.addProperty("unit", "connects/s");
                figures.add(f);
            });
            doc.add("figures", figures);
            JsonObject r = new JsonObject();
            r.addProperty("kpf_over_direct", Math.round(kpfOverDirect * 100) / 100.0);
            if (!Double.isNaN(kpfOverIptables)) r.addProperty("kpf_over_iptables", Math.round(kpfOverIptables * 100) / 100.0);
            r.addProperty("kpf_traced_over_untraced", Math.round(tracedOverUntraced * 100) / 100.0);
            doc.addProperty("trace_events_read", traced);
            doc.addProperty("trace_events_expected", expectedEvents);
            doc.addProperty("trace_events_lost", lost);
            doc.add("ratios", r);
            out.println(new GsonBuilder().setPrettyPrinting().create().toJson(doc));
        } else {
            out.printf("kpf bench connect: %d services, %d connect+close per variant and round, median of %d interleaved rounds%n%n",
                    services, connections, rounds);
            rates.forEach((k, v) -> {
                if (!v.isNaN()) out.printf("%-50s %,10.0f connects/s%n", switch (k) {
                    case "direct" -> "direct to the backend";
                    case "kpf" -> "to the VIP through kpf, tracing off";
                    case "kpf-traced" -> "to the VIP through kpf, tracing on (kpf trace)";
                    default -> "to the VIP through iptables DNAT (kube-proxy rules)";
                }, v);
            });
            out.printf("%nratio kpf / direct: %.2fx (target >= 0.95x)%n", kpfOverDirect);
            if (!Double.isNaN(kpfOverIptables)) out.printf("ratio kpf / iptables: %.2fx%n", kpfOverIptables);
            out.printf("ratio kpf traced / untraced: %.2fx (target >= 0.9x); the tracer read %,d events of %,d connects (%,d lost)%n",
                    tracedOverUntraced, traced, expectedEvents, lost);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** N scale services plus the measured one, whose VIP sorts last and whose backend is the real server. */
    private LbTable table() {
        ScaleCluster cluster = ScaleCluster.generate(services, 1, 0.0, 1);
        List<com.google.gson.JsonObject> objects = new ArrayList<>(cluster.objects());
        objects.add(com.google.gson.JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench", "namespace": "zz-bench"},
                 "spec": {"clusterIP": "%s", "ports": [{"name": "http", "port": 80}]}}""".formatted(VIP)).getAsJsonObject());
        objects.add(com.google.gson.JsonParser.parseString("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                 "metadata": {"name": "bench-1", "namespace": "zz-bench", "labels": {"kubernetes.io/service-name": "bench"}},
                 "ports": [{"name": "http", "port": 8080}], "endpoints": [{"addresses": ["%s"]}]}""".formatted(BACKEND)).getAsJsonObject());
        return new ServiceTranslator("node-a").translate(TranslateBenchCommand.decode(objects));
    }

    /** The connect rate of one client run from {@code ns} (in {@code cgroup} when given) to {@code target}. */
    private double rate(TemporaryCgroup cgroup, String ns, String target) throws Exception {
        List<String> prefix = new ArrayList<>();
        if (cgroup != null) {
            prefix.addAll(List.of("bash", "-c", "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec \"$@\"", "kpf-bench"));
        }
        prefix.addAll(List.of("nsenter", "--net=/run/netns/" + ns));
        return ClientResult.run(prefix, target, target.equals(BACKEND) ? 8080 : 80, connections, 2000, false).rate();
    }

    /** Starts one of the bench's own classes in a new JVM under {@code prefix} (namespace, cgroup). */
    static Process start(List<String> prefix, Class<?> main, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-XX:+UseSerialGC", "-cp",
                new File(ConnectBenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath(), main.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (main == AcceptServer.class) {
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            if (!"ready".equals(in.readLine())) throw new IllegalStateException("the backend server did not start");
        }
        return p;
    }

    private static void run(String... cmd) throws Exception {
        BenchNamespace.run(List.of(cmd), 60);
    }

    private static void cleanupPins(PinDirectory pins) {
        try {
            BpfDatapath.cleanup(pins);
        } catch (RuntimeException ignored) {
            // nothing pinned
        }
    }
}
