package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.testdata.scale.ScaleCluster;
import dev.kpf.tui.model.DoctorView;
import dev.kpf.tui.model.Header;
import dev.kpf.tui.model.NodeView;
import dev.kpf.tui.model.ServiceRow;
import dev.kpf.tui.model.ServiceRows;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.render.Glyphs;
import dev.kpf.tui.render.Layout;
import dev.kpf.tui.view.SortColumn;
import dev.kpf.tui.view.ViewState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kpf bench tui}: how long the Services screen takes to render a frame for a large table (sorted by rate, the
 * costliest order, and filtered), how long a model refresh (rows, rates, histories) takes, and the memory the model
 * needs, against printing the whole table as text each time (what `watch kpf services` would do).
 */
@Command(name = "tui", description = "Frame time of the Services screen and memory of the TUI model for N services.")
final class TuiBenchCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--frames", defaultValue = "200", description = "Frames to render (default ${DEFAULT-VALUE}).")
    int frames;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || frames < 10 || frames > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : ScaleCluster.generate(services, 3, 0.0, 1).objects()) docs.add(new SourceDocument(o, "bench"));
        LbTable table = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
        docs = null; // only the table stays, as in the TUI, which reads the maps
        long before = usedHeapAfterGc();
        ServiceRows rows = new ServiceRows(60);
        // the TUI compares two tables: the maps read back and the API's intent (other objects, the same content)
        LbTable intent = new LbTable(new java.util.TreeMap<>(table.entries()), table.problems());
        List<ServiceRow> current = List.of();
        long[] refresh = new long[62];
        for (int round = 1; round <= refresh.length; round++) {
            Counters counted = counters(table, round);
            long t0 = System.nanoTime();
            current = rows.build(table, counted, intent, true, 1.0);
            refresh[round - 1] = System.nanoTime() - t0;
        }
        long modelBytes = usedHeapAfterGc() - before;
        out.printf("kpf bench tui: %d frontends (%d services), 60 s of history each%n", current.size(), services);
        out.printf("model refresh (rows, rates, histories): p50 %.1f ms, p99 %.1f ms%n", Percentiles.of(refresh, 50) / 1e6, Percentiles.of(refresh, 99) / 1e6);

        TuiSnapshot snapshot = new TuiSnapshot(new Header("node-a", "kernel", "ready", "bench", false, ""), current, null,
                NodeView.unavailable("bench"), null, null, DoctorView.NONE, dev.kpf.tui.model.TraceView.off("bench"));
        ViewState byRate = ViewState.initial().withSort(SortColumn.RATE, true);
        ViewState filtered = ViewState.initial().withFilter("svc-1");
        long[] frame = new long[frames], filter = new long[frames], text = new long[Math.max(10, frames / 10)];
        for (int i = 0; i < 20; i++) Layout.render(snapshot, byRate.withSelection(i * 7, 0), 200, 50, Glyphs.UNICODE); // warm-up
        for (int i = 0; i < frames; i++) {
            long t0 = System.nanoTime();
            Layout.render(snapshot, byRate.withSelection(i * 37 % current.size(), 0), 200, 50, Glyphs.UNICODE);
            frame[i] = System.nanoTime() - t0;
            t0 = System.nanoTime();
            Layout.render(snapshot, filtered, 200, 50, Glyphs.UNICODE);
            filter[i] = System.nanoTime() - t0;
        }
        for (int i = 0; i < text.length; i++) {
            long t0 = System.nanoTime();
            ServicesText.render(table, "node-a");
            text[i] = System.nanoTime() - t0;
        }
        double p50 = Percentiles.of(frame, 50) / 1e6, p99 = Percentiles.of(frame, 99) / 1e6;
        out.printf("Services frame 200x50, sorted by rate: p50 %.2f ms, p99 %.2f ms (target < 50 ms)%n", p50, p99);
        out.printf("Services frame 200x50, filtered:       p50 %.2f ms, p99 %.2f ms%n", Percentiles.of(filter, 50) / 1e6, Percentiles.of(filter, 99) / 1e6);
        double textP50 = Percentiles.of(text, 50) / 1e6;
        out.printf("whole table as text (kpf services):   p50 %.2f ms -> a frame is %.1fx faster%n", textP50, textP50 / p50);
        out.printf("memory: model and rows %.1f MB of heap; this process: heap used %.1f MB, RSS %.1f MB (target < 256 MB)%n",
                modelBytes / 1048576.0, usedHeapAfterGc() / 1048576.0, rssBytes() / 1048576.0);
        out.flush();
        return ExitCodes.OK;
    }

    /** Counters as after {@code round} seconds of traffic: every frontend and backend a little busier each second. */
    private static Counters counters(LbTable table, int round) {
        Map<Frontend, Counters.Count> f = new HashMap<>();
        Map<String, Counters.Count> b = new HashMap<>();
        int i = 0;
        for (LbEntry e : table.entries().values()) {
            long n = (long) (i++ % 13 + 1) * round;
            f.put(e.frontend(), new Counters.Count(n, 0));
            for (Backend be : e.backends()) b.put(Counters.backendKey(be.ip(), be.port(), be.protocol()), new Counters.Count(n, 0));
        }
        return new Counters(f, b);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssBytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(0);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
