package dev.kpf.tui.model;

import dev.kpf.dataplane.trace.TraceEvent;
import dev.kpf.dataplane.trace.TraceFilter;
import dev.kpf.dataplane.trace.TraceNames;
import dev.kpf.dataplane.trace.TraceOutcome;
import dev.kpf.dataplane.trace.Tracer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Feeds the Trace pane: while it is active it holds a {@link Tracer} (tracing is on only while someone looks) and a
 * thread that polls it, keeping the latest {@link #ROWS} matching events and the latest {@link #PER_SERVICE} per
 * Service port (for at most {@link #SERVICES} ports). Events to addresses that are no Service are asked for and kept
 * only when the filter names a VIP or a pid, as in {@code kpf trace}.
 */
public final class TraceFeed implements AutoCloseable {
    static final int ROWS = 500, PER_SERVICE = 20, SERVICES = 200;
    private static final String IDLE = "not tracing: open the Trace pane (:trace)";

    private final Function<Boolean, Tracer> opener;
    private final Deque<TraceRow> rows = new ArrayDeque<>();
    private final Map<String, Deque<TraceRow>> byService = new LinkedHashMap<>(16, 0.75f, true);
    private volatile TraceNames names = TraceNames.NONE;
    private TraceFilter filter = TraceFilter.ALL;
    private String filterText = "";
    private boolean keepNotServices;
    private Thread poller;
    private volatile String status;
    private long received;
    private volatile long lost;

    /** @param opener starts a tracer on the datapath shown, or null when there is none ({@code unavailable} says why) */
    public TraceFeed(Function<Boolean, Tracer> opener, String unavailable) {
        this.opener = opener;
        this.status = opener == null ? unavailable : IDLE;
    }

    /** Names for new events (the model passes the maps' table and the API's, which knows pods). */
    public void names(TraceNames names) {
        this.names = names;
    }

    /** Starts or stops tracing; stopping frees the tracer's slot (tracing turns off when no one else traces). */
    public void active(boolean on) {
        Thread stopping;
        synchronized (this) {
            if (on == (poller != null) || opener == null) return;
            if (on) {
                Tracer tracer;
                try {
                    tracer = opener.apply(keepNotServices);
                } catch (RuntimeException e) {
                    status = "cannot trace: " + e.getMessage();
                    return;
                }
                status = "tracing";
                poller = Thread.ofPlatform().daemon().name("kpf-tui-trace").start(() -> poll(tracer));
                return;
            }
            stopping = poller;
            poller = null;
            status = IDLE;
        }
        // outside the lock: the poller takes it for every event it adds
        stopping.interrupt();
        try {
            stopping.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll(Tracer tracer) {
        try (tracer) {
            lost = 0;
            for (long polls = 0; !Thread.currentThread().isInterrupted(); polls++) {
                tracer.poll(Duration.ofMillis(200), this::add);
                if (polls % 5 == 4) lost = tracer.lost();
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                if (poller == Thread.currentThread()) poller = null; // the pane can start it again
                status = "tracing stopped: " + e.getMessage();
            }
        }
    }

    /**
     * Sets the filter from palette arguments ({@code vip=ADDR[:PORT] service=NS/NAME[:PORT] pid=N backend=ADDR}, any
     * of them; {@code all} clears it). Returns a message for the footer.
     */
    public String filter(String args) {
        TraceFilter f = TraceFilter.ALL;
        boolean notServices = false;
        String text = args.strip().equals("all") ? "" : args.strip();
        for (String arg : text.split("\\s+")) {
            if (arg.isEmpty()) continue;
            int eq = arg.indexOf('=');
            if (eq < 0) return "unknown filter " + arg + ": use vip= service= pid= backend=, or all";
            String value = arg.substring(eq + 1);
            try {
                switch (arg.substring(0, eq)) {
                    case "vip" -> { f = f.withVip(value); notServices = true; }
                    case "service" -> f = f.withService(value);
                    case "pid" -> {
                        if (!value.matches("[0-9]{1,9}")) return "pid=" + value + ": expected a process id (a number), e.g. pid=4242";
                        f = f.withPid(Integer.parseInt(value));
                        notServices = true;
                    }
                    case "backend" -> f = f.withBackend(value);
                    default -> { return "unknown filter " + arg + ": use vip= service= pid= backend=, or all"; }
                }
            } catch (IllegalArgumentException e) {
                return e.getMessage().replace("--", "");
            }
        }
        boolean restart;
        synchronized (this) {
            filter = f;
            restart = poller != null && notServices != keepNotServices;
            keepNotServices = notServices;
            filterText = text;
            rows.clear();
            byService.clear();
        }
        if (restart) { // the programs write events for non-Services only when a tracer asks for them
            active(false);
            active(true);
        }
        return text.isEmpty() ? "trace: all Service translations" : "trace: " + text;
    }

    private synchronized void add(TraceEvent e) {
        received++;
        TraceNames n = names;
        if (e.outcome() == TraceOutcome.NOT_SERVICE && !keepNotServices) return;
        if (!filter.matches(e, n)) return;
        TraceRow row = new TraceRow(e, n.service(e).orElse(""), n.pod(e).orElse(""));
        rows.addFirst(row);
        if (rows.size() > ROWS) rows.removeLast();
        if (!row.service().isEmpty()) {
            Deque<TraceRow> d = byService.computeIfAbsent(row.service(), k -> new ArrayDeque<>());
            d.addFirst(row);
            if (d.size() > PER_SERVICE) d.removeLast();
            if (byService.size() > SERVICES) byService.remove(byService.keySet().iterator().next());
        }
    }

    public synchronized boolean active() {
        return poller != null;
    }

    public synchronized TraceView view() {
        Map<String, List<TraceRow>> per = new LinkedHashMap<>();
        byService.forEach((k, v) -> per.put(k, new ArrayList<>(v)));
        return new TraceView(poller != null, status, filterText, new ArrayList<>(rows), per, received, lost);
    }

    @Override
    public void close() {
        active(false);
    }
}
