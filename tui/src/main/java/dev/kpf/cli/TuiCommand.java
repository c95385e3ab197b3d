package dev.kpf.cli;

import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.Doctor;
import dev.kpf.diagnostics.DoctorInputs;
import dev.kpf.diagnostics.DoctorReport;
import dev.kpf.diagnostics.bundle.SupportBundle;
import dev.kpf.diagnostics.node.NodeFactsReader;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.tui.demo.DemoSession;
import dev.kpf.tui.model.TuiModel;
import dev.kpf.tui.model.TuiSources;
import dev.kpf.tui.render.Glyphs;
import dev.kpf.tui.view.TuiApp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

/** {@code kpf tui}: the interactive terminal UI, on this node's maps and cluster or on the embedded demo. */
@Command(name = "tui", description = {"Interactive terminal UI: Services read back from the kernel maps, node, kernel, DaemonSets, doctor.",
        "--demo runs the demo cluster, an agent and (as root) real BPF maps with traffic in this process, and cleans up on exit."},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:quit", "2:could not start (no terminal, demo failed)", "64:usage error"})
final class TuiCommand implements Callable<Integer> {
    @Option(names = "--demo", description = "Run on the embedded demo cluster (fake API server, churn, in-process agent).")
    boolean demo;

    @Option(names = "--simulate", description = "With --demo: simulated maps even when run as root.")
    boolean simulate;

    @Option(names = "--bpffs", paramLabel = "PATH", defaultValue = "/sys/fs/bpf/kpf", description = "The agent's pin directory (default ${DEFAULT-VALUE}).")
    Path bpffs;

    @CommandLine.Mixin
    KubeconfigOptions kube = new KubeconfigOptions();

    @Option(names = "--agent", paramLabel = "URL", defaultValue = dev.kpf.dataplane.agent.AgentHttp.DEFAULT_URL, description = "The local agent (default ${DEFAULT-VALUE}).")
    URI agent;

    @Option(names = "--node-name", paramLabel = "NODE", description = "This node (default: $NODE_NAME, else the host name).")
    String nodeName;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the TUI's logs go while it owns the terminal. */
    static Path logFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "kpf-tui-" + ProcessHandle.current().pid() + ".log");
    }

    private static void dropLog() {
        try {
            Files.deleteIfExists(logFile());
        } catch (java.io.IOException e) {
            // it stays in the temporary directory
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (System.console() == null || !System.console().isTerminal()) {
            err.println("kpf tui: needs an interactive terminal (run it in a terminal, over `ssh -t`, or in tmux); `kpf services` and `kpf doctor` print the same as text");
            err.flush();
            dropLog();
            return ExitCodes.COULD_NOT_RUN;
        }
        boolean utf8 = Glyphs.forLocale(System.getenv()) == Glyphs.UNICODE;
        boolean color = Terminal.colourWanted(System.getenv());
        DemoSession session = null;
        Thread cleanup = null;
        try {
            TuiSources sources;
            if (demo) {
                session = DemoSession.start(!simulate, 40);
                DemoSession s = session;
                cleanup = Thread.ofPlatform().unstarted(s::close);
                Runtime.getRuntime().addShutdownHook(cleanup);
                sources = demoSources(s);
            } else {
                sources = liveSources();
            }
            try (TuiModel model = new TuiModel(sources).start()) {
                Charset charset = utf8 ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII;
                DefaultTerminalFactory factory = new DefaultTerminalFactory(System.out, System.in, charset).setForceTextTerminal(true)
                        .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP);
                TerminalScreen screen = new TerminalScreen(factory.createTerminal());
                new TuiApp(screen, model::snapshot, new TuiApp.Actions() {
                    public void runDoctor() {
                        model.runDoctor();
                    }

                    public void tracing(boolean on) {
                        model.tracing(on);
                    }

                    public String traceFilter(String args) {
                        return model.traceFilter(args);
                    }

                    public void writeBundle() {
                        model.writeBundle();
                    }
                }, utf8 ? Glyphs.UNICODE : Glyphs.ASCII, color).run();
            }
            dropLog(); // a session that ended well leaves nothing behind; one that failed keeps its log and names it
            return ExitCodes.OK;
        } catch (java.io.IOException | RuntimeException e) {
            err.println("kpf tui: " + e.getMessage() + " (logs: " + logFile() + ")");
            err.flush();
            return ExitCodes.COULD_NOT_RUN;
        } finally {
            if (session != null) session.close();
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running already
                }
            }
        }
    }

    private TuiSources demoSources(DemoSession s) {
        String node = DemoSession.NODE;
        Supplier<DoctorReport> doctor = () -> Doctor.run(DoctorInputs.none()
                .withNode(HostRoot.live(), () -> new NodeFactsReader().read())
                .withCluster(s.cluster(), null)
                .withNodeName(node)
                .withAgent(s.agentUri(), s.pins(), () -> s.agent().desired()));
        Function<DoctorReport, String> bundle = report -> bundle(report, node, s.agentUri(), s.pins() == null ? bpffs : s.pins().root(),
                s.kubeconfig() == null ? java.util.List.of() : java.util.List.of(s.kubeconfig()), s.cluster());
        return new TuiSources(node + " (demo)", s.source(), s.simulated(), s.simulatedWhy(), s::reading, () -> s.agent().desired(), 1, s::agentState,
                true, () -> s.cluster().daemonSets(), doctor, bundle,
                s.pins() == null ? null : notServices -> dev.kpf.dataplane.trace.Tracer.start(s.pins(), notServices), "tracing needs the BPF datapath: " + s.simulatedWhy());
    }

    private TuiSources liveSources() throws java.io.IOException {
        String node = nodeName != null ? nodeName : ServicesCommand.defaultNodeName();
        java.util.Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig = kube.resolve();
        ClusterReader reader = kubeconfig.isPresent() && kubeconfig.get().files().stream().allMatch(Files::isReadable)
                ? new ClusterReader(kubeconfig.get().client()) : null;
        java.util.List<Path> config = kube.files();
        PinDirectory pins = new PinDirectory(bpffs.toAbsolutePath());
        Supplier<LbTable> intent = reader == null ? null : SourceSpec.apiIntent(node, kubeconfig, () -> Duration.ofSeconds(8));
        Supplier<DoctorReport> doctor = () -> Doctor.run(DoctorInputs.none()
                .withNode(HostRoot.live(), () -> new NodeFactsReader().read())
                .withCluster(reader, reader == null ? "no kubeconfig (pass --kubeconfig)" : null)
                .withNodeName(node)
                .withAgent(agent, pins, intent)
                .withSelection(Set.of(), Set.of()));
        Function<DoctorReport, String> bundle = report -> bundle(report, node, agent, pins.root(), config, reader);
        String source = reader != null ? "live cluster (" + kubeconfig.get().describe() + ")" : "this node's maps (no kubeconfig: no DaemonSets, no API comparison)";
        return new TuiSources(node, source, false, "", () -> PinnedTable.readWithCounters(pins), intent, 5, this::agentState, true,
                reader == null ? null : reader::daemonSets, doctor, bundle, notServices -> dev.kpf.dataplane.trace.Tracer.start(pins, notServices), "");
    }

    private String agentState() {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
            int code = http.send(HttpRequest.newBuilder(agent.resolve("/readyz")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            String state = code == 200 ? "ready" : "not ready (readyz " + code + ")";
            var status = com.google.gson.JsonParser.parseString(http.send(HttpRequest.newBuilder(agent.resolve("/v1/status"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
            return state + dev.kpf.diagnostics.AgentHealth.devices(status);
        } catch (java.io.IOException | RuntimeException e) {
            return "not answering at " + agent;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String bundle(DoctorReport report, String node, URI agent, Path pins, java.util.List<Path> kubeconfig, ClusterReader reader) {
        Path target = SupportBundles.defaultPath(node, Instant.now()).toAbsolutePath();
        try {
            SupportBundle.Written w = SupportBundles.write(target, report, HostRoot.live(), node, agent, pins, kubeconfig, reader);
            return "bundle: " + w.file() + " (" + (w.entries().size() + 1) + " files, " + w.missing().size() + " not collected)";
        } catch (java.io.IOException | RuntimeException e) {
            return "no bundle: " + e.getMessage();
        }
    }

}
