package dev.kpf.cli;

import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.Doctor;
import dev.kpf.diagnostics.DoctorReport;
import dev.kpf.diagnostics.node.NodeFactsReader;
import dev.kpf.diagnostics.bundle.SupportBundle;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;
import io.kubernetes.client.openapi.ApiClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code kpf doctor}: is this node and cluster correctly kube-proxy-free, and if not, what exactly to fix. */
@Command(name = "doctor", description = "Check the node and the cluster for kube-proxy-free operation, with remedies.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every check passed", "1:warnings (or checks that could not run)", "2:failures", "3:nothing could be checked", "64:usage error"})
final class DoctorCommand implements Callable<Integer> {
    /** The doctor's "could not run" code, also when the requested bundle cannot be written. */
    static final int BUNDLE_FAILED = 3;

    @Option(names = "--json", description = "Print JSON (schema kpf.doctor/v1); the same as --output json.")
    boolean json;

    @Option(names = {"-o", "--output"}, paramLabel = "text|json|junit", defaultValue = "text",
            description = "text (default), json (schema kpf.doctor/v1, with a summary and score) or junit (JUnit XML for CI: a failed check is a failed test).")
    String output;

    @CommandLine.Mixin
    KubeconfigOptions kube = new KubeconfigOptions();

    @Option(names = "--cluster-config", paramLabel = "FILE", description = "Lint this baremetal Cluster config file instead of reading the Cluster from the API.")
    Path clusterConfig;

    @Option(names = "--root", paramLabel = "DIR", description = "Read the node's files from DIR (as kpf probe --root).")
    Path root;

    @Option(names = "--no-node", description = "Skip the node checks (e.g. when run away from the node).")
    boolean noNode;

    @Option(names = "--agent", paramLabel = "URL", defaultValue = dev.kpf.dataplane.agent.AgentHttp.DEFAULT_URL, description = "The local agent (default ${DEFAULT-VALUE}).")
    java.net.URI agent;

    @Option(names = "--bpffs", paramLabel = "PATH", defaultValue = "/sys/fs/bpf/kpf", description = "The agent's pin directory (default ${DEFAULT-VALUE}).")
    Path bpffs;

    @Option(names = "--node-name", paramLabel = "NODE", description = "This node, for maps.consistent (default: $NODE_NAME, else the host name).")
    String nodeName;

    @Option(names = "--fix-leftovers", description = "Remove kube-proxy's leftovers from this node: its own iptables chains (by kube-proxy's names; "
            + "kubelet's and other tools' KUBE-* chains stay), the rules jumping to them, and its nft tables. Needs --yes; --dry-run prints the exact removal.")
    boolean fixLeftovers;

    @Option(names = "--dry-run", description = "With --fix-leftovers: print the exact iptables-restore scripts and nft commands, change nothing.")
    boolean dryRun;

    @Option(names = "--yes", description = "Confirm a change such as --fix-leftovers.")
    boolean yes;

    @Option(names = "--preflight", description = "Also check a cluster that still runs kube-proxy before the (irreversible) switch: nodes' OS and kernel, Services kpf does not serve yet, kube-proxy's rules on this node against kpf's table.")
    boolean preflight;

    @Option(names = "--bundle", paramLabel = "FILE.tar.gz", description = "Also write a redacted support bundle (doctor and probe JSON, node facts, maps, agent metrics/status/logs, ip/nft/iptables state, DaemonSets).")
    Path bundle;

    @Option(names = "--only", split = ",", paramLabel = "ID", description = "Run only these check ids.")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", split = ",", paramLabel = "ID", description = "Skip these check ids.")
    List<String> skip = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((dryRun || yes) && !fixLeftovers) {
            throw new CommandLine.ParameterException(spec.commandLine(), (dryRun ? "--dry-run" : "--yes") + " goes with --fix-leftovers "
                    + "(kpf doctor --fix-leftovers --dry-run shows what it would remove); the checks themselves change nothing");
        }
        if (json && spec.commandLine().getParseResult().hasMatchedOption("--output") && !output.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--json and --output " + output + " ask for two formats: use one");
        }
        if (fixLeftovers) {
            if (!yes && !dryRun) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--fix-leftovers removes kube-proxy's own chains, the rules jumping "
                        + "to them and its nft tables from this node; --dry-run shows exactly what, --yes does it");
            }
            dev.kpf.diagnostics.LeftoverRules leftovers = new dev.kpf.diagnostics.LeftoverRules(List.of());
            List<dev.kpf.diagnostics.LeftoverRules.Step> plan = leftovers.plan();
            if (plan.isEmpty()) {
                out.println("no kube-proxy leftovers on this node");
            } else if (dryRun) {
                out.println("kpf doctor --fix-leftovers --yes would run (nothing else is changed; other rules keep their counters):");
                plan.forEach(step -> out.println(step.show()));
            } else {
                out.println("removed:");
                leftovers.apply(plan).forEach(r -> out.println("  " + r));
            }
            out.flush();
            return ExitCodes.OK;
        }
        if (!List.of("text", "json", "junit").contains(output)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--output " + output + ": use text, json or junit");
        }
        java.util.SortedSet<String> known = dev.kpf.diagnostics.Doctor.checkIds();
        for (var flag : java.util.Map.of("--only", only, "--skip", skip).entrySet()) {
            List<String> unknownIds = flag.getValue().stream().filter(id -> !known.contains(id)).toList();
            if (!unknownIds.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), flag.getKey() + " " + String.join(",", unknownIds)
                        + ": no such check; the checks are " + String.join(", ", known));
            }
        }
        List<String> gated = only.stream().filter(id -> id.startsWith("preflight.")).toList();
        if (!preflight && !gated.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--only " + String.join(",", gated) + ": preflight checks run with --preflight; add it");
        }
        List<SourceDocument> config = null;
        if (clusterConfig != null) {
            if (!Files.exists(clusterConfig)) throw new CommandLine.ParameterException(spec.commandLine(), "--cluster-config " + clusterConfig + " does not exist");
            config = DirectoryLoader.documents(clusterConfig, new ArrayList<Problem>());
        }
        ClusterReader reader = null;
        String apiProblem = null;
        try {
            java.util.Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig = kube.resolve();
            ApiClient client = kubeconfig.isPresent() ? kubeconfig.get().client() : KubeClients.inCluster();
            // bounded: each API read waits at most 8 s and all of them end within 15 s of the start, so a whole
            // run (with the node checks) stays under 20 s even against an API server that hangs
            reader = new ClusterReader(client, java.time.Duration.ofSeconds(8), java.time.Instant.now().plusSeconds(15));
        } catch (Exception e) {
            apiProblem = e.getMessage() + (String.valueOf(e.getMessage()).contains("--kubeconfig") ? "" : ": pass --kubeconfig FILE or set KUBECONFIG");
        }
        HostRoot host = noNode ? null : root == null ? HostRoot.live() : new HostRoot(root.toAbsolutePath());
        java.util.List<Path> kubeconfigPath = kube.files();
        String node = nodeName != null ? nodeName : ServicesCommand.defaultNodeName();
        String why = apiProblem;
        ClusterReader api = reader;
        java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> read = SourceSpec.apiIntent(node, kube.resolve(),
                () -> api != null ? api.remaining() : java.time.Duration.ofSeconds(8));
        java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> intent = () -> {
            if (why != null) throw new IllegalStateException(why);
            if (api != null && api.unreachable() != null) throw new IllegalStateException(api.unreachable());
            return read.get();
        };
        dev.kpf.diagnostics.DoctorInputs inputs = dev.kpf.diagnostics.DoctorInputs.none()
                .withNode(host, host != null && host.isLive() ? () -> new NodeFactsReader().read() : null)
                .withCluster(reader, apiProblem)
                .withClusterConfig(config)
                .withNodeName(node)
                .withPreflight(preflight)
                .withSelection(new HashSet<>(only), new HashSet<>(skip));
        inputs = inputs.withAgent(noNode ? null : agent, noNode ? null : new dev.kpf.probes.bpf.PinDirectory(bpffs.toAbsolutePath()), intent);
        DoctorReport report = Doctor.run(inputs);
        if (!only.isEmpty() && report.checks().isEmpty()) {
            // every check asked for was left out by another flag: say which, instead of an empty report
            PrintWriter err = spec.commandLine().getErr();
            err.println("kpf doctor: --only " + String.join(",", only) + " ran no check: "
                    + (noNode ? "--no-node leaves out the checks of this node (drop --no-node, or run it on the node)"
                    : "they need what this run does not have (a kubeconfig for cluster checks, an agent's pins for maps checks)"));
            err.flush();
        }
        java.time.Instant at = java.time.Instant.now();
        switch (json ? "json" : output) {
            case "json" -> out.print(dev.kpf.diagnostics.DoctorJson.render(report, VersionCommand.kpfVersion(), at) + "\n");
            case "junit" -> out.print(dev.kpf.diagnostics.DoctorJunit.render(report, VersionCommand.kpfVersion(), at));
            default -> out.print(text(report));
        }
        out.flush();
        if (bundle != null) {
            PrintWriter err = spec.commandLine().getErr();
            try {
                SupportBundle.Written written = writeBundle(report, host, node, reader, kubeconfigPath);
                err.println("bundle: " + written.file() + " (" + (written.entries().size() + 1) + " files; could not collect "
                        + written.missing().size() + ": see MANIFEST.txt in it)");
            } catch (java.io.IOException | RuntimeException e) {
                err.println("kpf doctor: could not write the bundle " + bundle + ": " + e.getMessage() + " (choose a writable path)");
                err.flush();
                return BUNDLE_FAILED;
            }
            err.flush();
        }
        return report.exitCode();
    }

    private SupportBundle.Written writeBundle(DoctorReport report, HostRoot host, String node, ClusterReader reader, java.util.List<Path> kubeconfigPath)
            throws java.io.IOException {
        return SupportBundles.write(bundle, report, host, node, noNode ? null : agent, bpffs.toAbsolutePath(), kubeconfigPath, reader);
    }

    static String text(DoctorReport report) {
        StringBuilder b = new StringBuilder();
        String area = "";
        for (CheckResult c : report.checks()) {
            if (!c.area().equals(area)) {
                area = c.area();
                b.append(area.toUpperCase(java.util.Locale.ROOT)).append('\n');
            }
            b.append(String.format("  %-8s %-30s %s%n", c.status().label(), c.id(), c.observed()));
            if (c.status() != ProbeStatus.PASS && !c.remedy().isEmpty()) b.append(String.format("  %-8s %-30s fix: %s%n", "", "", c.remedy()));
        }
        b.append('\n').append(dev.kpf.diagnostics.DoctorSummary.of(report).line()).append('\n');
        return b.toString();
    }

    static String json(DoctorReport report) {
        return dev.kpf.diagnostics.DoctorJson.render(report);
    }
}
