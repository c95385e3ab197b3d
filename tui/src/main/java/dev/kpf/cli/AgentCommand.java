package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.agent.AgentDatapath;
import dev.kpf.dataplane.agent.AgentRuntime;
import dev.kpf.dataplane.agent.AgentSettings;
import dev.kpf.dataplane.agent.AgentSources;
import dev.kpf.dataplane.agent.HeapWatch;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.source.ClusterSource;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoChurn;
import dev.kpf.testdata.demo.DemoCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kpf agent}: the headless dataplane. Watches the source, programs the BPF maps, serves health, metrics and
 * a read-only status API, and leaves the datapath in place when stopped; {@code --cleanup} removes it.
 */
@Command(name = "agent", description = {"Run the headless kube-proxy-free dataplane on this node.",
        "Stopping it (SIGTERM) leaves the datapath serving; --cleanup detaches and unpins everything."},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:stopped (or cleaned up)", "1:fatal error (the message says why), e.g. --node-name is not one of the cluster's Nodes",
                "3:out of memory (its last \"heap nearly full\" warning says what to raise)", "64:usage error"})
final class AgentCommand implements Callable<Integer> {
    @Option(paramLabel = "SOURCE", names = "--source", defaultValue = "kube", description = "kube, dir:PATH or demo (default ${DEFAULT-VALUE}).")
    String source;

    @CommandLine.Mixin
    KubeconfigOptions kube = new KubeconfigOptions();

    @Option(names = "--k8s-api-server", paramLabel = "HOST:PORT", defaultValue = "${env:KPF_K8S_API_SERVER}",
            description = "In a pod: the API server's own address (HOST:PORT or https://HOST:PORT), so that the agent reaches it "
                    + "without the kubernetes Service's ClusterIP, which nothing translates on a node without kube-proxy before kpf "
                    + "has synced (environment KPF_K8S_API_SERVER; the DaemonSet sets it from ConfigMap kube-system/kpf-agent).")
    String apiServer;

    @Option(names = "--node-name", paramLabel = "NODE", description = "This node (default: $NODE_NAME, else the host name; node-a for the demo).")
    String nodeName;

    @Option(names = "--cgroup", paramLabel = "PATH", description = "cgroup v2 directory to attach to (default: the root of the cgroup2 mount).")
    Path cgroup;

    @Option(names = "--bpffs", paramLabel = "PATH", defaultValue = "/sys/fs/bpf/kpf", description = "Pin directory (default ${DEFAULT-VALUE}).")
    Path bpffs;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN, description = "Health, metrics and status API (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--map-capacity", paramLabel = "MAP=N", description = "Capacity of a BPF map, e.g. kpf_svc4=524288 (repeatable).")
    Map<String, Integer> capacities = new HashMap<>();

    @Option(names = "--min-sync-interval", paramLabel = "MS", defaultValue = "100", description = "Minimum time between syncs (default ${DEFAULT-VALUE} ms).")
    long minSyncMillis;

    @Option(names = "--devices", paramLabel = "IF,...|auto|none", defaultValue = "auto",
            description = "Interfaces for traffic from outside the node (NodePort, ExternalIPs, LoadBalancer IPs; tc): auto (default: the default route's and those with a node address), none, or a list.")
    String devices;

    @Option(names = "--snat-ip", paramLabel = "ADDR", description = "IPv4 node address for SNAT of external traffic (default: the first address of the first device).")
    String snatIp;

    @Option(names = "--snat-ip6", paramLabel = "ADDR", description = "IPv6 node address for SNAT of external IPv6 traffic (default: the first global IPv6 address of the devices).")
    String snatIp6;

    @Option(names = "--snat-ports", paramLabel = "MIN-MAX", defaultValue = "1024-32767",
            description = "SNAT ports of external traffic, per backend address and port (default ${DEFAULT-VALUE}, below the node's ephemeral ports).")
    String snatPorts;

    @Option(names = "--conntrack-udp-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long a UDP flow from outside lives without packets (default ${DEFAULT-VALUE}).")
    int udpTimeout;

    @Option(names = "--conntrack-tcp-timeout", paramLabel = "SECONDS", defaultValue = "7200",
            description = "How long an established TCP flow from outside lives without packets (default ${DEFAULT-VALUE}).")
    int tcpTimeout;

    @Option(names = "--tc-attach", paramLabel = "auto|tcx|clsact", defaultValue = "auto",
            description = "How the tc programs attach to --devices: tcx links (kernel 6.6 or later), clsact filters (older kernels), "
                    + "or auto (default): tcx where the kernel has it, else clsact.")
    String tcAttach;

    @Option(names = "--lb-algorithm", paramLabel = "random|maglev", defaultValue = "random",
            description = "How traffic from outside picks a backend per flow: random (default) or maglev (consistent hashing; table size 1021).")
    String lbAlgorithm;

    @Option(names = "--maglev-table-size", paramLabel = "PRIME", defaultValue = "1021",
            description = "Entries of each frontend's Maglev table: a prime from 251 to 65521, well above the backends per service (default ${DEFAULT-VALUE}).")
    int maglevTableSize;

    @Option(names = "--health-check-address", paramLabel = "ADDR|auto|none", defaultValue = "auto",
            description = "Where to serve the health check node ports of externalTrafficPolicy Local Services: auto (default: all interfaces, "
                    + "as kube-proxy; loopback with --simulate, which serves no traffic), an address, or none.")
    String healthCheckAddress;

    @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT|node:PORT|none", defaultValue = "${env:KPF_METRICS_LISTEN:-none}",
            description = "A second listener with /metrics only, for a cluster's Prometheus: ADDR:PORT, or node:PORT for the node's address "
                    + "($NODE_IP; the DaemonSet sets it), or none (default; environment KPF_METRICS_LISTEN).")
    String metricsListen;

    @Option(names = "--simulate", description = "Keep the table in memory instead of BPF maps (no privileges needed; serves no traffic).")
    boolean simulate;

    @Option(names = "--cleanup", description = "Detach kpf's programs, remove its own pins (by name; anything else under --bpffs stays and is "
            + "named), say what was removed, and exit. Refuses a directory that is not on bpffs, and the bpffs root.")
    boolean cleanup;

    @Option(names = "--dry-run", description = "With --cleanup: say what would be detached and removed, and do nothing.")
    boolean dryRun;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0", hidden = true, description = "Stop after SECONDS (tests).")
    long durationSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PinDirectory pins = new PinDirectory(bpffs.toAbsolutePath());
        if (dryRun && !cleanup) {
            // a dry run of the agent itself would be a real agent: refuse rather than run one
            throw new CommandLine.ParameterException(spec.commandLine(), "--dry-run goes with --cleanup (kpf agent --cleanup --dry-run shows what "
                    + "would be removed); the agent itself has no dry run (--simulate runs it without BPF)");
        }
        if (cleanup) {
            List<String> done;
            try {
                done = dryRun ? BpfDatapath.cleanupPlan(pins) : BpfDatapath.cleanup(pins);
            } catch (DatapathException e) {
                err.println("kpf agent --cleanup: " + e.getMessage());
                err.flush();
                return 1;
            }
            out.println(done.isEmpty() ? "nothing to remove under " + pins.root() : dryRun ? "kpf agent --cleanup would (nothing is done):" : "removed " + done.size() + ":");
            done.forEach(r -> out.println("  " + r));
            out.flush();
            return ExitCodes.OK;
        }
        SourceSpec sourceSpec;
        AgentSettings settings;
        try {
            sourceSpec = SourceSpec.parse(source);
            settings = settings(sourceSpec, pins);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<AutoCloseable> owned = new ArrayList<>();
        try (StopSignal stop = new StopSignal(); HeapWatch heap = HeapWatch.start()) {
            ClusterSource clusterSource;
            try {
                clusterSource = source(sourceSpec, settings, owned);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            // the informers list the cluster while the BPF programs load and the verifier checks them (about 1.6 s
            // here; a real API server answers across the network): the first sync comes that much sooner
            clusterSource.prefetch();
            Datapath datapath = null;
            try {
                datapath = AgentDatapath.open(settings);
            } catch (DatapathException e) {
                // the message names the cause and its fix
                err.println("kpf agent: cannot set up the BPF datapath: " + e.getMessage());
                err.println("(or --simulate to run without BPF)");
                err.flush();
                return 1;
            } catch (BpfException | java.io.UncheckedIOException e) {
                err.println("kpf agent: cannot set up the BPF datapath: " + e.getMessage());
                err.println("(run as root with bpffs and cgroup v2, see `kpf probe`; or --simulate to run without BPF)");
                err.flush();
                return 1;
            } finally {
                // whatever kept the datapath from opening, the informers started above stop
                if (datapath == null) clusterSource.close();
            }
            try (AgentRuntime agent = AgentRuntime.start(settings, clusterSource, datapath)) {
                out.printf("kpf agent: node %s, source %s, datapath %s, serving http://%s:%d/ (healthz livez readyz metrics v1/status v1/services)%s%n",
                        settings.nodeName(), source, datapath.describe(), agent.address().getHostString(), agent.address().getPort(),
                        agent.metricsAddress().map(a -> ", metrics also on http://" + a.getHostString() + ":" + a.getPort() + "/metrics").orElse(""));
                out.flush();
                agent.agent().refusal().thenRun(stop::stopNow);
                stop.await(durationSeconds);
                String refused = agent.agent().refusal().getNow(null);
                if (refused != null) {
                    err.println("kpf agent: nothing was programmed (what an earlier agent programmed stays): " + refused);
                    err.flush();
                    return 1;
                }
            }
        } finally {
            for (AutoCloseable c : owned) c.close();
        }
        out.println("kpf agent: stopped; the datapath stays in place (kpf agent --cleanup removes it)");
        out.flush();
        return ExitCodes.OK;
    }

    /** The flags, checked (each error names its flag and the fix). */
    private AgentSettings settings(SourceSpec sourceSpec, PinDirectory pins) {
        String node = nodeName != null ? nodeName : sourceSpec.kind().equals("demo") ? "node-a" : ServicesCommand.defaultNodeName();
        return new AgentSettings(node, pins, java.util.Optional.ofNullable(cgroup), AgentSettings.listen("--listen", listen),
                AgentSettings.metricsListen(metricsListen, System.getenv()), capacities, Duration.ofMillis(minSyncMillis),
                AgentSettings.devices(devices), java.util.Optional.ofNullable(snatIp).map(a -> AgentSettings.address("--snat-ip", a)),
                java.util.Optional.ofNullable(snatIp6).map(a -> AgentSettings.address("--snat-ip6", a)),
                AgentSettings.conntrack(snatPorts, tcpTimeout, udpTimeout), AgentSettings.tcAttach(tcAttach), AgentSettings.maglev(lbAlgorithm),
                maglevTableSize, AgentSettings.healthCheckAddress(healthCheckAddress, simulate), simulate);
    }

    /** The source: the API server or a directory (wired in dataplane), or the demo (its fake API server lives here). */
    private ClusterSource source(SourceSpec s, AgentSettings settings, List<AutoCloseable> owned) throws Exception {
        return switch (s.kind()) {
            case "dir" -> AgentSources.directory(s.path());
            case "demo" -> {
                // the demo: the fake API server in this process, with churn, watched like a real cluster
                FakeApiServer server = FakeApiServer.start(0);
                owned.add(server);
                for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) server.store().put(o);
                owned.addFirst(DemoChurn.start(server.store(), Duration.ofSeconds(2), 42));
                Path config = Files.createTempFile("kpf-demo", ".kubeconfig");
                server.writeKubeconfig(config);
                owned.add(() -> Files.deleteIfExists(config));
                yield new KubeSource(KubeClients.fromKubeconfig(config), "demo (" + server.url() + ")", settings.minSyncInterval(),
                        AgentSources.RESYNC, Clock.systemUTC());
            }
            default -> AgentSources.kube(kube.resolve(), java.util.Optional.ofNullable(apiServer),
                    System.getenv(), settings.minSyncInterval());
        };
    }
}
