package dev.kpf.tui.model;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.DaemonSetChecks;
import dev.kpf.diagnostics.DaemonSetRow;
import dev.kpf.diagnostics.DoctorReport;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeRunner;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Polls the sources (maps and counters every second, the API's intent and the DaemonSets every five, the kernel
 * probes once, the doctor on request) and publishes an immutable {@link TuiSnapshot}. The screens read only that.
 */
public final class TuiModel implements AutoCloseable {
    private static final int HISTORY = 60;
    private final TuiSources sources;
    private final ScheduledExecutorService ticker;
    private final ExecutorService worker;
    private final ServiceRows rows = new ServiceRows(HISTORY);
    private final NodeSampler node;
    private final AtomicReference<TuiSnapshot> current;
    private final TraceFeed trace;
    private volatile ProbeReport probes;
    private volatile DoctorView doctor = DoctorView.NONE;
    private volatile LbTable intent;
    private volatile LbTable programmed = LbTable.empty();
    private String intentError;
    private DaemonSetView daemonSets;
    private long ticks;
    private long lastNanos;

    public TuiModel(TuiSources sources) {
        this.sources = sources;
        this.node = sources.liveNode() ? new NodeSampler(HISTORY) : null;
        this.trace = new TraceFeed(sources.tracer(), sources.noTracer());
        this.current = new AtomicReference<>(new TuiSnapshot(header(), List.of(), null, NodeView.unavailable("sampling..."), null, null,
                DoctorView.NONE, trace.view()));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("kpf-tui-model").unstarted(r));
        this.worker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("kpf-tui-worker").unstarted(r));
    }

    public TuiModel start() {
        if (sources.liveNode()) worker.submit(() -> probes = ProbeRunner.forHost(HostRoot.live()));
        ticker.scheduleWithFixedDelay(this::refreshQuietly, 0, 1, TimeUnit.SECONDS);
        return this;
    }

    public TuiSnapshot snapshot() {
        return current.get();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // a source failed in a way it did not report; keep the last snapshot and try again next tick
        }
    }

    /** One refresh round (called by the ticker; tests may call it directly). */
    public synchronized TuiSnapshot refresh() {
        long now = System.nanoTime();
        double seconds = lastNanos == 0 ? 0 : (now - lastNanos) / 1e9;
        lastNanos = now;
        boolean freshIntent = false;
        if (sources.intent() != null && ticks % Math.max(1, sources.intentEvery()) == 0) {
            try {
                intent = sources.intent().get();
                intentError = null;
                freshIntent = intent != null;
            } catch (RuntimeException e) {
                intentError = e.getMessage();
            }
        }
        if (ticks++ % 5 == 0) {
            if (sources.daemonSets() != null) {
                ClusterReader.Read<DaemonSetRow> read = sources.daemonSets().get();
                daemonSets = read.ok() ? new DaemonSetView(read.items(), DaemonSetChecks.evaluate(read.items()), null)
                        : new DaemonSetView(List.of(), List.of(), read.error());
            } else if (daemonSets == null) {
                daemonSets = new DaemonSetView(List.of(), List.of(), "no API server (pass --kubeconfig)");
            }
        }
        List<ServiceRow> services;
        String servicesError = null;
        try {
            PinnedTable.Reading reading = sources.services().get();
            services = rows.build(reading.table(), reading.counters(), intent, freshIntent, seconds);
            programmed = reading.table();
            // names for the Trace pane, like kpf trace's: every few seconds, not on every refresh
            if (trace.active() && ticks % 5 == 0) trace.names(traceNames());
        } catch (RuntimeException e) {
            servicesError = e.getMessage();
            services = intent == null ? List.of() : rows.build(new LbTable(new java.util.TreeMap<>(), List.of()), Counters.NONE, intent, freshIntent, seconds);
        }
        NodeView nodeView = node != null ? node.sample() : NodeView.unavailable("not on the node this shows");
        TuiSnapshot s = new TuiSnapshot(header(), services, servicesError, nodeView, probes, daemonSets, doctor, trace.view());
        current.set(s);
        return s;
    }

    private Header header() {
        String agent;
        try {
            agent = sources.agent().get();
        } catch (RuntimeException e) {
            agent = "unknown (" + e.getMessage() + ")";
        }
        String kernel = System.getProperty("os.version");
        String source = sources.source() + (intentError != null ? " (API: " + intentError + ")" : "");
        return new Header(sources.node(), kernel, agent, source, sources.simulated(), sources.simulatedWhy());
    }

    /** Runs every doctor check in the background; the Doctor screen shows "running" until it is done. */
    public void runDoctor() {
        if (doctor.running()) return;
        doctor = new DoctorView(doctor.report(), true, doctor.bundle());
        worker.submit(() -> {
            try {
                doctor = new DoctorView(sources.doctor().get(), false, doctor.bundle());
            } catch (RuntimeException e) {
                doctor = new DoctorView(doctor.report(), false, "the doctor could not run: " + e.getMessage());
            }
        });
    }

    /** Writes a support bundle (running the doctor first if it has not run) in the background. */
    public void writeBundle() {
        if (doctor.running()) return;
        doctor = new DoctorView(doctor.report(), true, "writing a support bundle...");
        worker.submit(() -> {
            try {
                DoctorReport report = doctor.report() != null ? doctor.report() : sources.doctor().get();
                doctor = new DoctorView(report, false, sources.bundle().apply(report));
            } catch (RuntimeException e) {
                doctor = new DoctorView(doctor.report(), false, "no bundle: " + e.getMessage());
            }
        });
    }

    /** Traces while the Trace pane or a service's detail is shown (tracing is on only while someone looks). */
    public void tracing(boolean on) {
        if (on) trace.names(traceNames());
        trace.active(on);
    }

    /** Service names from the maps, pod names from the API's table (the maps hold addresses only). */
    private dev.kpf.dataplane.trace.TraceNames traceNames() {
        LbTable api = intent;
        return new dev.kpf.dataplane.trace.TraceNames(programmed, api == null ? LbTable.empty() : api);
    }

    /** Sets the trace filter from palette arguments; returns the footer message. */
    public String traceFilter(String args) {
        return trace.filter(args);
    }

    @Override
    public void close() {
        trace.close();
        ticker.shutdownNow();
        worker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
