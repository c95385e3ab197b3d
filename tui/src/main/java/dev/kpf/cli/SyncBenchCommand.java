package dev.kpf.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.SyncReport;
import dev.kpf.dataplane.lb.IncrementalTranslator;
import dev.kpf.dataplane.lb.LbDiff;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpf bench sync}: a full sync of N services x M endpoints into kpf's BPF maps, next to loading the same
 * Services as kube-proxy would with {@code iptables-restore --noflush} (its iptables mode) and {@code nft -f} (its
 * nftables mode), each in a network namespace this command creates and removes; plus single endpoint changes into
 * the maps. Alternatives that run past --cap are stopped and reported as lower bounds.
 */
@Command(name = "sync", description = "Full and incremental sync into the BPF maps vs iptables-restore and nft -f.")
final class SyncBenchCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--endpoints", defaultValue = "10", description = "Endpoints per service (default ${DEFAULT-VALUE}).")
    int endpoints;

    @Option(paramLabel = "N", names = "--changes", defaultValue = "500", description = "Single endpoint changes to time (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(paramLabel = "SECONDS", names = "--cap", defaultValue = "60", description = "Seconds each alternative may run (default ${DEFAULT-VALUE}).")
    int capSeconds;

    @Option(names = "--json", description = "Print {\"schema\": \"kpf.bench/v1\", \"figures\": [...], \"ratios\": {...}}.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<Map<String, Object>> figures = new ArrayList<>();
    private final Map<String, Object> ratios = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || endpoints < 1 || endpoints > 100 || changes < 1 || changes > 100_000 || capSeconds < 1 || capSeconds > 3600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("kpf bench sync: generating %d services x %d endpoints%n", services, endpoints);
        err.flush();
        ScaleCluster cluster = ScaleCluster.generate(services, endpoints, 0.0, 1);
        IncrementalTranslator incremental = new IncrementalTranslator(new ServiceTranslator("node-a"));
        incremental.load(TranslateBenchCommand.decode(cluster.objects()));
        incremental.sync();
        LbTable table = incremental.table();

        double kpfFull;
        long[] one = new long[changes];
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-" + pid));
        double firstFull = warmUp(table, pins, pid, err);
        err.println("kpf: full sync into the BPF maps");
        err.flush();
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-" + pid)) {
            try (BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()))) {
                long t = System.nanoTime();
                SyncReport r = datapath.apply(table);
                kpfFull = (System.nanoTime() - t) / 1e9;
                if (!r.errors().isEmpty()) throw new IllegalStateException("sync errors: " + r.errors().getFirst());
                ScaleCluster.Churn churn = cluster.churn(5);
                // unmeasured changes first: the change path is timed warm, like the full sync above
                for (int i = 0; i < 200; i++) {
                    EndpointSlice slice = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(churn.next(), "warm-up"))).slice();
                    incremental.upsertSlice(slice);
                    datapath.applyChanges(incremental.sync());
                }
                for (int i = 0; i < changes; i++) {
                    JsonObject changed = churn.next();
                    long c = System.nanoTime();
                    EndpointSlice slice = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(changed, "bench"))).slice();
                    incremental.upsertSlice(slice);
                    LbDiff diff = incremental.sync();
                    datapath.applyChanges(diff);
                    one[i] = System.nanoTime() - c;
                }
            }
        } finally {
            BpfDatapath.cleanup(pins);
        }
        figure("resident memory of this process after the syncs (an upper bound for an agent with this table)", rssMegabytes(), "MB");
        figure("kpf full sync, first in this JVM (JIT cold)", firstFull, "s");
        figure("kpf full sync", kpfFull, "s");
        figure("kpf one endpoint change p50", Percentiles.of(one, 50) / 1e6, "ms");
        figure("kpf one endpoint change p99", Percentiles.of(one, 99) / 1e6, "ms");

        Path dir = Files.createTempDirectory("kpf-bench-sync");
        try {
            Path ipt = dir.resolve("iptables.rules");
            Files.writeString(ipt, KubeProxyRules.iptables(table));
            Path nft = dir.resolve("kube-proxy.nft");
            Files.writeString(nft, KubeProxyRules.nft(table));
            err.printf("iptables-restore --noflush of %d lines (cap %d s)%n", Files.readAllLines(ipt).size(), capSeconds);
            err.flush();
            Timed iptables = inNamespace("kpfbench" + pid + "i", List.of("iptables-restore", "--noflush", ipt.toString()));
            err.printf("nft -f of %d lines (cap %d s)%n", Files.readAllLines(nft).size(), capSeconds);
            err.flush();
            Timed nftables = inNamespace("kpfbench" + pid + "n", List.of("nft", "-f", nft.toString()));
            figure("iptables-restore --noflush (kube-proxy iptables mode)", iptables.seconds(), "s", iptables.capped());
            figure("nft -f (kube-proxy nftables mode)", nftables.seconds(), "s", nftables.capped());
            ratios.put("iptables_restore_over_kpf", ratio(iptables, kpfFull));
            ratios.put("nft_over_kpf", ratio(nftables, kpfFull));
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }

        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "kpf.bench/v1");
            doc.put("benchmark", "sync");
            doc.put("services", services);
            doc.put("endpoints", endpoints);
            doc.put("figures", figures);
            doc.put("ratios", ratios);
            out.println(new GsonBuilder().setPrettyPrinting().create().toJson(doc));
        } else {
            out.printf("kpf bench sync: %d services x %d endpoints (%d frontends, %d backends)%n%n", services, endpoints, table.size(), table.backendCount());
            for (Map<String, Object> f : figures) {
                out.printf("%-55s %s%.3f %s%n", f.get("name"), Boolean.TRUE.equals(f.get("lowerBound")) ? "> " : "", (double) f.get("value"), f.get("unit"));
            }
            out.println();
            ratios.forEach((k, v) -> out.printf("%-55s %s%n", k.replace('_', ' '), v));
            out.printf("targets: kpf full sync < 1 s: %s; one change p99 < 5 ms: %s%n", kpfFull < 1 ? "met" : "MISSED", Percentiles.of(one, 99) / 1e6 < 5 ? "met" : "MISSED");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** One full sync into fresh maps before the measured one: the first run in a JVM includes JIT compilation. */
    private static double warmUp(LbTable table, PinDirectory pins, long pid, PrintWriter err) {
        err.println("kpf: warm-up full sync");
        err.flush();
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-warm-" + pid);
             BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()))) {
            long t = System.nanoTime();
            datapath.apply(table);
            return (System.nanoTime() - t) / 1e9;
        } finally {
            BpfDatapath.cleanup(pins);
        }
    }

    /** VmRSS from /proc/self/status, after a GC: the generated cluster, translator state, mirror and maps' user side. */
    private static double rssMegabytes() throws java.io.IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        return -1;
    }

    private record Timed(double seconds, boolean capped) {}

    /** Runs a command in a namespace it creates (and removes, also on Ctrl-C), bounded by --cap. */
    private Timed inNamespace(String name, List<String> command) throws Exception {
        try (BenchNamespace ns = BenchNamespace.create(name)) {
            long t = System.nanoTime();
            Process p = ns.start(command, ProcessBuilder.Redirect.DISCARD);
            boolean finished = p.waitFor(capSeconds, TimeUnit.SECONDS);
            double s = (System.nanoTime() - t) / 1e9;
            if (!finished) return new Timed(capSeconds, true); // closing the namespace stops it
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed with exit " + p.exitValue());
            return new Timed(s, false);
        }
    }

    private void figure(String name, double value, String unit) {
        figure(name, value, unit, false);
    }

    private void figure(String name, double value, String unit, boolean lowerBound) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", name);
        f.put("value", Math.round(value * 1000) / 1000.0);
        f.put("unit", unit);
        if (lowerBound) f.put("lowerBound", true);
        figures.add(f);
    }

    private static String ratio(Timed alternative, double kpf) {
        return (alternative.capped() ? "> " : "") + String.format(java.util.Locale.ROOT, "%.1fx", alternative.seconds() / kpf);
    }

}
