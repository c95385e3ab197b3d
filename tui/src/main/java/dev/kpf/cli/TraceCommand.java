package dev.kpf.cli;

import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.trace.TraceEvent;
import dev.kpf.dataplane.trace.TraceFilter;
import dev.kpf.dataplane.trace.TraceLines;
import dev.kpf.dataplane.trace.TraceNames;
import dev.kpf.dataplane.trace.TraceOutcome;
import dev.kpf.dataplane.trace.Tracer;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.PinDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code kpf trace}: every Service translation of the socket programs as it happens, with names. */
@Command(name = "trace", description = {
        "Stream the Service translations of this node's socket programs.",
        "Who connected (pid, command, cgroup, netns, socket), to which Service address, which backend was chosen, by which hook, "
                + "and what happened (translated, affinity-hit, refused, not-a-service). Tracing is on only while a tracer runs; it "
                + "turns off when the last one leaves. Events for addresses that are no Service are shown only with --vip, --pid or --all."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped by --count, --duration, Ctrl-C or SIGTERM", "2:could not trace (no pinned kpf maps, no privilege; the message says which)",
                "64:usage error"})
final class TraceCommand implements Callable<Integer> {
    @Option(names = "--vip", paramLabel = "ADDR[:PORT]", description = "Only this Service address (10.96.0.10:53, [fd00::10]:53 or 10.96.0.10).")
    String vip;

    @Option(names = "--service", paramLabel = "NS/NAME[:PORT]", description = "Only this Service (names come from the maps).")
    String service;

    @Option(names = "--pid", paramLabel = "N", description = "Only this process (its pid as the node sees it, not inside a container).")
    Integer pid;

    @Option(names = "--backend", paramLabel = "ADDR", description = "Only connections that went to this backend address.")
    String backend;

    @Option(names = "--all", description = "Also show connects and datagrams to addresses that are no Service.")
    boolean all;

    @Option(names = "--json", description = "One JSON object per event (schema kpf.trace/v1).")
    boolean json;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N matching events.")
    Integer count;

    @Option(names = "--duration", paramLabel = "D", description = "Stop after D (30s, 5m, 1h; a bare number is seconds).")
    String duration;

    @Option(names = "--bpffs", paramLabel = "PATH", defaultValue = "/sys/fs/bpf/kpf", description = "The agent's pin directory (default ${DEFAULT-VALUE}).")
    Path bpffs;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Also name backend pods from kube, dir:PATH or demo "
            + "(the maps know Service names but not pods).")
    String source;

    @CommandLine.Mixin
    KubeconfigOptions kube = new KubeconfigOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final Duration NAMES_REFRESH = Duration.ofSeconds(5);

    @Override
    public Integer call() throws Exception {
        TraceFilter filter = filter();
        Duration limit;
        try {
            limit = duration == null ? null : parseDuration(duration);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (count != null && count <= 0) throw new CommandLine.ParameterException(spec.commandLine(), "--count " + count + ": expected at least 1");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PinDirectory pins = new PinDirectory(bpffs.toAbsolutePath());
        boolean showNotServices = all || vip != null || pid != null;
        try (StopSignal stop = new StopSignal(); Tracer tracer = Tracer.start(pins, showNotServices)) {
            err.println("kpf trace: tracing " + pins.root() + (limit != null ? " for " + limit.toSeconds() + " s" : "")
                    + (count != null ? ", at most " + count + (count == 1 ? " event" : " events") : "") + "; Ctrl-C stops");
            err.flush();
            Names names = new Names(pins);
            long end = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
            long[] shown = {0};
            while (!stop.stopped() && System.nanoTime() < end && (count == null || shown[0] < count)) {
                TraceNames current = names.current();
                tracer.poll(Duration.ofMillis(200), e -> {
                    if (count != null && shown[0] >= count) return;
                    if (e.outcome() == TraceOutcome.NOT_SERVICE && !showNotServices) return;
                    if (!filter.matches(e, current)) return;
                    out.println(json ? TraceLines.json(e, current) : TraceLines.text(e, current));
                    shown[0]++;
                });
                out.flush();
                if (out.checkError()) break; // the reader went away (kpf trace | head): stop and free the slot
            }
            long lost = tracer.lost();
            err.println("kpf trace: " + shown[0] + (shown[0] == 1 ? " event" : " events") + "; tracing stopped"
                    + (lost > 0 ? "; " + lost + " events were lost: this tracer fell behind and its ring buffer was full (filters do not "
                    + "reduce what the programs write; redirect the output to a file so the terminal does not slow it down)" : ""));
            err.flush();
            return ExitCodes.OK;
        } catch (DatapathException | BpfException e) {
            err.println("kpf trace: " + e.getMessage());
            err.flush();
            return ExitCodes.COULD_NOT_RUN;
        }
    }

    private TraceFilter filter() {
        TraceFilter f = TraceFilter.ALL;
        try {
            if (vip != null) f = f.withVip(vip);
            if (service != null) f = f.withService(service);
            if (pid != null) f = f.withPid(pid);
            if (backend != null) f = f.withBackend(backend);
            if (source != null) SourceSpec.parse(source);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return f;
    }

    static Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(s|m|h)?").matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("--duration " + text + ": expected a positive number with s, m or h, e.g. 30s or 5m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** Service names from the maps, re-read every few seconds as Services change; pod names from --source, read once. */
    private final class Names {
        private final PinDirectory pins;
        private final LbTable fromSource;
        private TraceNames names = TraceNames.NONE;
        private long readAt;

        Names(PinDirectory pins) {
            this.pins = pins;
            LbTable t = LbTable.empty();
            if (source != null) {
                try {
                    t = new ServiceTranslator(ServicesCommand.defaultNodeName()).translate(SourceSpec.parse(source).readOnce(kube.resolve(), Duration.ofSeconds(10)));
                } catch (SourceSpec.SourceException e) {
                    spec.commandLine().getErr().println("kpf trace: no pod names (" + e.getMessage() + ")");
                }
            }
            fromSource = t;
        }

        TraceNames current() {
            if (readAt != 0 && System.nanoTime() - readAt < NAMES_REFRESH.toNanos()) return names;
            readAt = System.nanoTime();
            try {
                names = new TraceNames(PinnedTable.read(pins), fromSource);
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("kpf trace: names not refreshed: " + e.getMessage());
            }
            return names;
        }
    }
}
