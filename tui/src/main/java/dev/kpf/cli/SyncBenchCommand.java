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
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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

    @Option(paramLabel = "N", names = "--changes", defaultValue = "1000", description = "Single endpoint changes to time (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(paramLabel = "SECONDS", names = "--cap", defaultValue = "120", description = "Seconds each alternative may run (default ${DEFAULT-VALUE}).")
    int capSeconds;

    @Option(names = "--json", description = "Print {\"schema\": \"kpf.bench/v1\", \"figures\": [...], \"ratios\": {...}}.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<Map<String, Object>> figures = new ArrayList<>();
    private final Map<String, Object> ratios = new LinkedHashMap<>();

    /** Measured full syncs after the first (the reported warm figure is their median). */
    static final int WARM_RUNS = 5;
    /** One-change transactions timed against the loaded nftables ruleset. */
    static final int NFT_CHANGES = 30;
    /** Issue 20's targets. */
    static final double FULL_WARM_TARGET_S = 0.25, FULL_COLD_TARGET_S = 0.5, FLOOR_RATIO_TARGET = 5, ONE_CHANGE_P99_TARGET_MS = 2;

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
        ClusterState state = TranslateBenchCommand.decode(cluster.objects());
        long pid = ProcessHandle.current().pid();

        // a full sync: translation of the whole cluster and its writes into fresh maps, first cold, then warm
        err.println("kpf: full syncs (translation and writes into fresh maps)");
        err.flush();
        double[] cold = fullSync(state, pid, "cold", null);
        double[][] warm = new double[WARM_RUNS][];
        for (int i = 0; i < WARM_RUNS; i++) warm[i] = fullSync(state, pid, "warm" + i, null);
        Arrays.sort(warm, java.util.Comparator.comparingDouble(w -> w[0] + w[1]));
        double[] median = warm[WARM_RUNS / 2];
        double kpfFull = median[0] + median[1];
        err.println("floor: the same entries, one bpf_map_update_batch call per map");
        err.flush();
        Floor floor = new Floor();
        fullSync(state, pid, "floor", floor);

        IncrementalTranslator incremental = new IncrementalTranslator(new ServiceTranslator("node-a"));
        incremental.load(state);
        incremental.sync();
        LbTable table = incremental.table();
        long[] one = new long[changes];
        List<String> nftChanges = new ArrayList<>();
        boolean nftFollows = true;
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-" + pid));
        err.println("kpf: single endpoint changes");
        err.flush();
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-" + pid);
             BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()))) {
            SyncReport r = datapath.apply(table);
            if (!r.errors().isEmpty()) throw new IllegalStateException("sync errors: " + r.errors().getFirst());
            ScaleCluster.Churn churn = cluster.churn(5);
            // unmeasured changes first: the change path is timed warm, like the full sync above
            for (int i = 0; i < 200; i++) {
                EndpointSlice slice = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(churn.next(), "warm-up"))).slice();
                incremental.upsertSlice(slice);
                datapath.applyChanges(incremental.sync());
            }
            table = incremental.table(); // what the kube-proxy rulesets start from
            for (int i = 0; i < changes; i++) {
                JsonObject changed = churn.next();
                long c = System.nanoTime();
                EndpointSlice slice = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(changed, "bench"))).slice();
                incremental.upsertSlice(slice);
                LbDiff diff = incremental.sync();
                datapath.applyChanges(diff);
                one[i] = System.nanoTime() - c;
                // the same changes as kube-proxy's nftables mode would send them, in the same order
                if (nftFollows && nftChanges.size() < NFT_CHANGES) {
                    String tx = KubeProxyRules.nftChange(diff.changed().stream().map(LbDiff.Change::before).toList(),
                            diff.changed().stream().map(LbDiff.Change::after).toList(), incremental.table().entries().values());
                    // a change nftChange cannot write leaves the ruleset behind the table: no later one would apply
                    // (as does a frontend added or removed: the churn changes endpoints only, so that is not expected)
                    if (tx == null || !diff.added().isEmpty() || !diff.removed().isEmpty()) nftFollows = false;
                    else if (!tx.isEmpty()) nftChanges.add(tx);
                }
            }
        } finally {
            BpfDatapath.cleanup(pins);
        }
        double p99 = Percentiles.of(one, 99) / 1e6;
        figure("resident memory of this process after the syncs (an upper bound for an agent with this table)", rssMegabytes(), "MB");
        figure("kpf full sync, first in this JVM (JIT cold): translation", cold[0], "s");
        figure("kpf full sync, first in this JVM (JIT cold): writes", cold[1], "s");
        figure("kpf full sync, first in this JVM (JIT cold)", cold[0] + cold[1], "s");
        figure("kpf full sync (median of " + WARM_RUNS + "): translation", median[0], "s");
        figure("kpf full sync (median of " + WARM_RUNS + "): writes", median[1], "s");
        figure("kpf full sync (median of " + WARM_RUNS + ")", kpfFull, "s");
        figure("floor: " + floor.entries + " entries, one batch call per map (" + floor.maps + " maps)", floor.seconds, "s");
        figure("kpf one endpoint change p50", Percentiles.of(one, 50) / 1e6, "ms");
        figure("kpf one endpoint change p99 (" + changes + " changes)", p99, "ms");
        ratios.put("kpf_full_over_floor", String.format(Locale.ROOT, "%.1fx", kpfFull / floor.seconds));

        Path dir = Files.createTempDirectory("kpf-bench-sync");
        Timed legacy, iptables, nftables;
        long[] nftOne = new long[0];
        try {
            Path ipt = dir.resolve("iptables.rules");
            Files.writeString(ipt, KubeProxyRules.iptables(table));
            Path nft = dir.resolve("kube-proxy.nft");
            Files.writeString(nft, KubeProxyRules.nft(table));
            long iptLines, nftLines;
            try (var l = Files.lines(ipt)) { iptLines = l.count(); }
            try (var l = Files.lines(nft)) { nftLines = l.count(); }
            err.printf("iptables-legacy-restore of %d lines, a full restore (cap %d s)%n", iptLines, capSeconds);
            err.flush();
            try (BenchNamespace ns = BenchNamespace.create("kpfbench" + pid + "l")) {
                legacy = timed(ns, List.of("iptables-legacy-restore", ipt.toString()));
            }
            err.printf("iptables-restore --noflush (iptables-nft) of %d lines (cap %d s)%n", iptLines, capSeconds);
            err.flush();
            try (BenchNamespace ns = BenchNamespace.create("kpfbench" + pid + "i")) {
                iptables = timed(ns, List.of("iptables-restore", "--noflush", ipt.toString()));
            }
            err.printf("nft -f of %d lines (cap %d s), then %d one-change transactions%n", nftLines, capSeconds, nftChanges.size());
            err.flush();
            try (BenchNamespace ns = BenchNamespace.create("kpfbench" + pid + "n")) {
                nftables = timed(ns, List.of("nft", "-f", nft.toString()));
                if (!nftables.capped()) nftOne = nftOneChanges(ns, dir, nftChanges);
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
        figure("iptables-legacy-restore, full restore (kube-proxy iptables mode, legacy)", legacy.seconds(), "s", legacy.capped());
        figure("iptables-restore --noflush (kube-proxy iptables mode, nf_tables)", iptables.seconds(), "s", iptables.capped());
        figure("nft -f (kube-proxy nftables mode)", nftables.seconds(), "s", nftables.capped());
        if (nftOne.length > 0) {
            figure("nft -f one endpoint change p50 (" + nftOne.length + " changes into the loaded ruleset)", Percentiles.of(nftOne, 50) / 1e6, "ms");
            figure("nft -f one endpoint change p99", Percentiles.of(nftOne, 99) / 1e6, "ms");
            ratios.put("nft_one_change_over_kpf_p50", String.format(Locale.ROOT, "%.0fx", Percentiles.of(nftOne, 50) / (double) Math.max(1, Percentiles.of(one, 50))));
        }
        ratios.put("iptables_legacy_restore_over_kpf", ratio(legacy, kpfFull));
        ratios.put("iptables_restore_noflush_over_kpf", ratio(iptables, kpfFull));
        ratios.put("nft_over_kpf", ratio(nftables, kpfFull));
        ratios.put("strongest_full_alternative_over_kpf", ratio(strongest(legacy, iptables, nftables), kpfFull));

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
                out.printf("%-80s %s%.3f %s%n", f.get("name"), Boolean.TRUE.equals(f.get("lowerBound")) ? "> " : "", (double) f.get("value"), f.get("unit"));
            }
            out.println();
            ratios.forEach((k, v) -> out.printf("%-80s %s%n", k.replace('_', ' '), v));
            out.printf("targets: full sync < %.2f s warm: %s, < %.1f s cold: %s, <= %.0fx the floor: %s; one change p99 < %.0f ms: %s%n",
                    FULL_WARM_TARGET_S, met(kpfFull < FULL_WARM_TARGET_S), FULL_COLD_TARGET_S, met(cold[0] + cold[1] < FULL_COLD_TARGET_S),
                    FLOOR_RATIO_TARGET, met(kpfFull <= FLOOR_RATIO_TARGET * floor.seconds), ONE_CHANGE_P99_TARGET_MS, met(p99 < ONE_CHANGE_P99_TARGET_MS));
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String met(boolean met) {
        return met ? "met" : "MISSED";
    }

    /** What the floor measured: entries and maps written, and the time of the batch calls alone. */
    private static final class Floor {
        long entries;
        int maps;
        double seconds;
    }

    /**
     * One full sync into fresh maps: {translation seconds, write seconds}. With a {@link Floor}, the same entries
     * are then copied as raw bytes into a second set of fresh maps, one {@code bpf_map_update_batch} call per map,
     * and only those calls are timed: the kernel's share of the sync.
     */
    private static double[] fullSync(ClusterState state, long pid, String tag, Floor floor) {
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-" + pid + "-" + tag));
        PinDirectory copy = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-" + pid + "-" + tag + "-floor"));
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-" + pid + "-" + tag);
             BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()))) {
            // what earlier steps left (the generated cluster, an earlier sync's garbage) is collected first, as a
            // benchmark harness does between iterations: the sync pays for its own garbage, not for the bench's
            System.gc();
            long t = System.nanoTime();
            LbTable table = new ServiceTranslator("node-a").translate(state);
            long translated = System.nanoTime();
            SyncReport r = datapath.apply(table);
            long written = System.nanoTime();
            if (!r.errors().isEmpty()) throw new IllegalStateException("sync errors: " + r.errors().getFirst());
            if (floor != null) {
                try (TemporaryCgroup cg2 = TemporaryCgroup.create("kpf-bench-" + pid + "-" + tag + "-floor");
                     BpfDatapath empty = BpfDatapath.open(new BpfDatapath.Options(copy, cg2.path(), Map.of()))) {
                    copyRaw(pins.root(), copy.root(), floor);
                    if (empty.readBack().size() != table.size()) throw new IllegalStateException("the floor's copy differs from kpf's maps");
                }
            }
            return new double[] {(translated - t) / 1e9, (written - translated) / 1e9};
        } finally {
            BpfDatapath.cleanup(pins);
            if (floor != null) BpfDatapath.cleanup(copy);
        }
    }

    /** Copies every hash map pinned in {@code from} that holds entries into the empty map of the same name in {@code to}. */
    private static void copyRaw(Path from, Path to, Floor floor) {
        List<Path> maps;
        try (var s = Files.list(from)) {
            maps = s.filter(Files::isRegularFile).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (Path pin : maps) {
            try (BpfMap<byte[], byte[]> source = BpfMap.openPinnedRaw(pin);
                 BpfMap<byte[], byte[]> target = BpfMap.openPinnedRaw(to.resolve(pin.getFileName()));
                 Arena arena = Arena.ofConfined()) {
                if (source.info().type() != 1) continue; // BPF_MAP_TYPE_HASH: every map a sync of this cluster writes
                Map<byte[], byte[]> entries = source.entries();
                if (entries.isEmpty() || !target.entries().isEmpty()) continue;
                int k = source.info().keySize(), v = source.info().valueSize();
                MemorySegment keys = arena.allocate((long) k * entries.size()), values = arena.allocate((long) v * entries.size());
                int i = 0;
                for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
                    MemorySegment.copy(e.getKey(), 0, keys, ValueLayout.JAVA_BYTE, (long) i * k, k);
                    MemorySegment.copy(e.getValue(), 0, values, ValueLayout.JAVA_BYTE, (long) i * v, v);
                    i++;
                }
                long t = System.nanoTime();
                int n = target.updateBatchRaw(keys, values, entries.size());
                floor.seconds += (System.nanoTime() - t) / 1e9;
                if (n != entries.size()) throw new IllegalStateException("floor: " + n + " of " + entries.size() + " written to " + pin.getFileName());
                floor.entries += n;
                floor.maps++;
            }
        }
    }

    /** Applies kube-proxy's one-change transactions to the loaded ruleset, one {@code nft -f} each: wall time per change. */
    private long[] nftOneChanges(BenchNamespace ns, Path dir, List<String> transactions) throws Exception {
        long[] took = new long[transactions.size()];
        long deadline = System.nanoTime() + capSeconds * 1_000_000_000L;
        for (int i = 0; i < transactions.size(); i++) {
            Path f = Files.writeString(dir.resolve("change-" + i + ".nft"), transactions.get(i));
            long t = System.nanoTime();
            Path said = dir.resolve("change-" + i + ".out");
            Process p = ns.start(List.of("nft", "-f", f.toString()), ProcessBuilder.Redirect.to(said.toFile()));
            if (!p.waitFor(Math.max(1, (deadline - t) / 1_000_000_000L), TimeUnit.SECONDS)) return Arrays.copyOf(took, i);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("nft -f of change " + i + " failed with exit " + p.exitValue() + ": " + Files.readString(said).strip()
                        + "\n" + transactions.get(i));
            }
            took[i] = System.nanoTime() - t;
        }
        return took;
    }

    private static Timed strongest(Timed... alternatives) {
        return Arrays.stream(alternatives).min(java.util.Comparator.comparingDouble(Timed::seconds)).orElseThrow();
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

    /** Runs a command in {@code ns}, bounded by --cap (a command past it is stopped when the namespace goes). */
    private Timed timed(BenchNamespace ns, List<String> command) throws Exception {
        long t = System.nanoTime();
        Process p = ns.start(command, ProcessBuilder.Redirect.DISCARD);
        boolean finished = p.waitFor(capSeconds, TimeUnit.SECONDS);
        double s = (System.nanoTime() - t) / 1e9;
        if (!finished) return new Timed(capSeconds, true);
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed with exit " + p.exitValue());
        return new Timed(s, false);
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
