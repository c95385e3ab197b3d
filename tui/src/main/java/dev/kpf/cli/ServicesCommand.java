package dev.kpf.cli;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.NodeCheck;
import dev.kpf.dataplane.model.Problem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kpf services}: the translated Service -> backend table, like {@code cilium-dbg service list}. */
@Command(name = "services", description = "Print the Service -> backend table kpf computes for this node.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:table printed (problems with some objects are listed on stderr)", "2:could not read the source",
                "64:usage error"})
final class ServicesCommand implements Callable<Integer> {
    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "kube",
            description = "Where Services and EndpointSlices come from: kube (the API server, default), "
                    + "dir:PATH (YAML/JSON files or kubectl -o yaml dumps) or demo (the embedded demo cluster).")
    String source;

    @CommandLine.Mixin
    KubeconfigOptions kube = new KubeconfigOptions();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for a complete read of the API server (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--node-name", paramLabel = "NODE", description = "This node (default: $NODE_NAME, else the host name; node-a for the demo); "
            + "decides node-local endpoints, NodePort addresses and the zone.")
    String nodeName;

    @Option(names = "--json", description = "Print JSON (schema kpf.services/v1).")
    boolean json;

    @Option(names = "--from-maps", description = "Read what is programmed from the pinned BPF maps instead of translating a source.")
    boolean fromMaps;

    @Option(names = "--stats", description = "With --from-maps: the programs' counters per frontend and backend (connects, "
            + "UDP datagrams, refusals) and their rates over --interval.")
    boolean stats;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1", description = "With --stats: seconds between the two "
            + "readings that give rates; 0 prints totals only (default ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--bpffs", paramLabel = "PATH", defaultValue = "/sys/fs/bpf/kpf", description = "Pin directory for --from-maps (default ${DEFAULT-VALUE}).")
    Path bpffs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (stats && !fromMaps) throw new CommandLine.ParameterException(spec.commandLine(), "--stats reads the kernel's counters: add --from-maps");
        if (intervalSeconds < 0 || intervalSeconds > 3600) throw new CommandLine.ParameterException(spec.commandLine(), "--interval " + intervalSeconds + ": expected 0 to 3600 seconds");
        if (fromMaps) return fromMaps(err);
        SourceSpec spec0;
        try {
            spec0 = SourceSpec.parse(source);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String node = nodeName != null ? nodeName : spec0.kind().equals("demo") ? "node-a" : defaultNodeName();
        ClusterState state;
        try {
            state = spec0.readOnce(kube.resolve(), java.time.Duration.ofSeconds(timeoutSeconds));
        } catch (SourceSpec.SourceException e) {
            err.println("kpf services: " + e.getMessage());
            err.flush();
            return ExitCodes.COULD_NOT_RUN;
        }
        LbTable table = new ServiceTranslator(node).translate(state);
        Problem nodeProblem = null;
        if (NodeCheck.of(node, state) instanceof NodeCheck.Unknown unknown) {
            String warning = unknown.message() + "; until then NodePorts are shown on every address and "
                    + "externalTrafficPolicy Local Services without local endpoints";
            err.println("warning: " + warning);
            // scripts read the JSON's problems: the warning is there too
            List<Problem> problems = new java.util.ArrayList<>(table.problems());
            nodeProblem = new Problem("Node " + node, "", warning);
            problems.add(nodeProblem);
            table = new LbTable(table.entries(), problems);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(dev.kpf.dataplane.agent.TableJson.render(table, node, source));
        } else {
            out.print(ServicesText.render(table, node));
            for (Problem p : table.problems()) if (p != nodeProblem) err.println("warning: " + p);
        }
        out.flush();
        err.flush();
        return ExitCodes.OK;
    }

    private int fromMaps(PrintWriter err) throws InterruptedException {
        LbTable table;
        dev.kpf.dataplane.bpf.CounterRates rates = null;
        dev.kpf.probes.bpf.PinDirectory pins = new dev.kpf.probes.bpf.PinDirectory(bpffs.toAbsolutePath());
        try {
            if (stats) {
                dev.kpf.dataplane.bpf.PinnedTable.Reading first = dev.kpf.dataplane.bpf.PinnedTable.readWithCounters(pins);
                if (intervalSeconds == 0) {
                    table = first.table();
                    rates = dev.kpf.dataplane.bpf.CounterRates.totals(first.counters());
                } else {
                    long t0 = System.nanoTime();
                    Thread.sleep(intervalSeconds * 1000L);
                    dev.kpf.dataplane.bpf.PinnedTable.Reading second = dev.kpf.dataplane.bpf.PinnedTable.readWithCounters(pins);
                    table = second.table();
                    rates = new dev.kpf.dataplane.bpf.CounterRates(first.counters(), second.counters(), (System.nanoTime() - t0) / 1e9);
                }
            } else {
                table = dev.kpf.dataplane.bpf.PinnedTable.read(pins);
            }
        } catch (dev.kpf.dataplane.bpf.DatapathException | dev.kpf.probes.bpf.BpfException e) {
            err.println("kpf services: " + e.getMessage());
            err.flush();
            return ExitCodes.COULD_NOT_RUN;
        }
        PrintWriter out = spec.commandLine().getOut();
        String where = "maps:" + bpffs.toAbsolutePath();
        if (json) out.println(rates != null ? dev.kpf.dataplane.agent.TableJson.render(table, "", where, rates) : dev.kpf.dataplane.agent.TableJson.render(table, "", where));
        else if (rates != null) out.print("counters of the kernel maps pinned under " + bpffs.toAbsolutePath() + "\n" + ServicesStatsText.render(table, rates));
        else out.print("read from the kernel maps pinned under " + bpffs.toAbsolutePath() + "\n" + ServicesText.render(table, "(this node)"));
        for (Problem p : table.problems()) err.println("warning: " + p);
        out.flush();
        err.flush();
        return ExitCodes.OK;
    }

    static String defaultNodeName() {
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) return env.strip();
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
