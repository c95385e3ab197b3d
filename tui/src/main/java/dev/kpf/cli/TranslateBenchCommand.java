package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.IncrementalTranslator;
import dev.kpf.dataplane.lb.LbDiff;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpf bench translate}: the control plane at scale. Full translation of N services x M endpoints, one
 * endpoint change through the incremental translator (against retranslating everything, measured in the same
 * run), retained heap of state plus table, and the latency from an API change to a new table through the
 * official client's informers and the fake API server.
 */
@Command(name = "translate", description = "Translation and informer-to-table latency at scale.")
final class TranslateBenchCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--endpoints", defaultValue = "10", description = "Endpoints per service (default ${DEFAULT-VALUE}).")
    int endpoints;

    @Option(paramLabel = "N", names = "--changes", defaultValue = "1000", description = "Single-endpoint changes to time (default ${DEFAULT-VALUE}).")
    int changes;

    @Option(paramLabel = "N", names = "--api-changes", defaultValue = "200", description = "Changes sent through the fake API server (default ${DEFAULT-VALUE}; 0 skips).")
    int apiChanges;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 200_000 || endpoints < 0 || endpoints > 200 || changes < 1 || changes > 100_000 || apiChanges < 0 || apiChanges > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("kpf bench translate: %d services x %d endpoints (20%% dual-stack), node node-a%n%n", services, endpoints);
        out.flush();
        ScaleCluster cluster = ScaleCluster.generate(services, endpoints, 0.2, 1);
        long t0 = System.nanoTime();
        ClusterState state = decode(cluster.objects());
        out.printf("decode %d objects: %d ms%n", cluster.objects().size(), ms(System.nanoTime() - t0));

        ServiceTranslator translator = new ServiceTranslator("node-a");
        long[] full = new long[7];
        LbTable table = null;
        for (int i = 0; i < 3; i++) table = translator.translate(state); // warm-up
        for (int i = 0; i < full.length; i++) {
            long t = System.nanoTime();
            table = translator.translate(state);
            full[i] = System.nanoTime() - t;
        }
        out.printf("full translation: %d frontends, %d backends; median %.1f ms, min %.1f ms (target < 200 ms warm)%n",
                table.size(), table.backendCount(), Percentiles.of(full, 50) / 1e6, Percentiles.min(full) / 1e6);

        IncrementalTranslator incremental = new IncrementalTranslator(translator);
        incremental.load(state);
        incremental.sync();
        ScaleCluster.Churn churn = cluster.churn(2);
        // unmeasured changes first: the full translations above no longer work out diffs, so the diff path starts cold
        for (int i = 0; i < 2000; i++) {
            incremental.upsertSlice(((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(churn.next(), "warm-up"))).slice());
            incremental.sync();
        }
        long[] one = new long[changes];
        long[] decodeOne = new long[changes];
        for (int i = 0; i < changes; i++) {
            JsonObject changed = churn.next();
            long d = System.nanoTime();
            EndpointSlice slice = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(changed, "bench"))).slice();
            long t = System.nanoTime();
            incremental.upsertSlice(slice);
            LbDiff diff = incremental.sync();
            one[i] = System.nanoTime() - t;
            decodeOne[i] = t - d;
            if (diff.changed().isEmpty()) throw new IllegalStateException("a change produced no diff");
        }
        out.printf("one endpoint change -> diff (incremental): p50 %.1f us, p99 %.1f us (target < 1 ms); decoding the slice: p50 %.1f us%n",
                Percentiles.of(one, 50) / 1e3, Percentiles.of(one, 99) / 1e3, Percentiles.of(decodeOne, 50) / 1e3);
        out.printf("ratio: full retranslation + diff / incremental = %.0fx%n", (Percentiles.of(full, 50) + 0.0) / Math.max(1, Percentiles.of(one, 50)));

        long heap = retainedHeap(cluster);
        out.printf("retained heap of state + table at %d endpoints: %d MB (target < 256 MB)%n", (long) services * endpoints, heap >> 20);
        out.flush();

        if (apiChanges > 0) apiLatency(cluster, out);
        out.flush();
        return ExitCodes.OK;
    }

    /** Informer event -> new table: a change is put into the fake API server; the clock stops when a table has it. */
    private void apiLatency(ScaleCluster cluster, PrintWriter out) throws Exception {
        Path dir = Files.createTempDirectory("kpf-bench");
        try (FakeApiServer server = FakeApiServer.start(0)) {
            long t0 = System.nanoTime();
            cluster.objects().forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            IncrementalTranslator incremental = new IncrementalTranslator(new ServiceTranslator("node-a"));
            BlockingQueue<LbDiff> diffs = new ArrayBlockingQueue<>(10_000);
            try (KubeSource source = new KubeSource(KubeClients.fromKubeconfig(kubeconfig), "bench", Duration.ZERO, Duration.ofMinutes(10), Clock.systemUTC())) {
                source.start(state -> {
                    incremental.load(state);
                    diffs.offer(incremental.sync());
                });
                LbDiff first = diffs.poll(120, TimeUnit.SECONDS);
                if (first == null) throw new IllegalStateException("no first sync within 120 s: " + source.status());
                out.printf("informer first sync of %d objects -> table: %d ms%n", cluster.objects().size(), ms(System.nanoTime() - t0));
                ScaleCluster.Churn churn = cluster.churn(3);
                List<Long> latencies = new ArrayList<>(), assembly = new ArrayList<>(), listenerTimes = new ArrayList<>();
                for (int i = 0; i < apiChanges; i++) {
                    diffs.clear();
                    JsonObject changed = churn.next();
                    long t = System.nanoTime();
                    server.store().put(changed);
                    String name = changed.getAsJsonObject("metadata").get("name").getAsString();
                    long deadline = t + TimeUnit.SECONDS.toNanos(10);
                    boolean seen = false;
                    while (!seen && System.nanoTime() < deadline) {
                        LbDiff d = diffs.poll(10, TimeUnit.SECONDS);
                        if (d == null) break;
                        String svc = name.substring(0, name.lastIndexOf('-'));
                        seen = d.changed().stream().anyMatch(c -> c.after().service().name().equals(svc));
                    }
                    if (!seen) throw new IllegalStateException("change " + i + " did not reach a table within 10 s");
                    latencies.add(System.nanoTime() - t);
                    Duration[] times = source.lastPublishTimes();
                    assembly.add(times[0].toNanos());
                    listenerTimes.add(times[1].toNanos());
                }
                long[] l = latencies.stream().mapToLong(Long::longValue).toArray();
                out.printf("API change -> informer -> new table (%d changes): p50 %.1f ms, p99 %.1f ms (target p99 < 50 ms)%n",
                        apiChanges, Percentiles.of(l, 50) / 1e6, Percentiles.of(l, 99) / 1e6);
                long[] a = assembly.stream().mapToLong(Long::longValue).toArray();
                long[] b = listenerTimes.stream().mapToLong(Long::longValue).toArray();
                out.printf("  of which: state assembly p50 %.1f ms, load + incremental sync p50 %.1f ms%n", Percentiles.of(a, 50) / 1e6, Percentiles.of(b, 50) / 1e6);
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    private static long retainedHeap(ScaleCluster cluster) {
        long before = usedAfterGc();
        ClusterState state = decode(cluster.objects());
        LbTable table = new ServiceTranslator("node-a").translate(state);
        long after = usedAfterGc();
        if (table.size() < 0 || state.services().isEmpty()) throw new IllegalStateException(); // keep both alive until here
        return Math.max(0, after - before);
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static ClusterState decode(List<JsonObject> objects) {
        List<SourceDocument> docs = new ArrayList<>(objects.size());
        for (JsonObject o : objects) docs.add(new SourceDocument(o, "bench"));
        return DirectoryLoader.decode(docs, new ArrayList<>());
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }



}
