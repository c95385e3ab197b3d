package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.agent.Agent;
import dev.kpf.dataplane.agent.AgentHttp;
import dev.kpf.dataplane.agent.AgentMetrics;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.Device;
import dev.kpf.dataplane.bpf.DeviceDetector;
import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.ClusterSource;
import dev.kpf.dataplane.source.DirectorySource;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoChurn;
import dev.kpf.testdata.demo.DemoCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
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
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:stopped (or cleaned up)", "1:fatal error (the message says why)", "64:usage error"})
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "kube", description = "kube, dir:PATH or demo (default ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kubeconfig for --source kube (default: in-cluster, $KUBECONFIG, ~/.kube/config).")
    Path kubeconfig;

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

    @Option(names = "--health-check-address", paramLabel = "ADDR|none", defaultValue = "0.0.0.0",
            description = "Where to serve the health check node ports of externalTrafficPolicy Local Services (default ${DEFAULT-VALUE}; none: not served).")
    String healthCheckAddress;

    @Option(names = "--simulate", description = "Keep the table in memory instead of BPF maps (no privileges needed; serves no traffic).")
    boolean simulate;

    @Option(names = "--cleanup", description = "Detach kpf's programs, remove its pins, say what was removed, and exit.")
    boolean cleanup;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0", hidden = true, description = "Stop after SECONDS (tests).")
    long durationSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PinDirectory pins = new PinDirectory(bpffs.toAbsolutePath());
        if (cleanup) {
            List<String> removed = BpfDatapath.cleanup(pins);
            out.println(removed.isEmpty() ? "nothing to remove under " + pins.root() : "removed:");
            removed.forEach(r -> out.println("  " + r));
            out.flush();
            return ExitCodes.OK;
        }
        SourceSpec spec0;
        try {
            spec0 = SourceSpec.parse(source);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        InetSocketAddress listenAddress = parseListen(listen);
        String node = nodeName != null ? nodeName : spec0.kind().equals("demo") ? "node-a" : ServicesCommand.defaultNodeName();

        List<AutoCloseable> owned = new ArrayList<>();
        Datapath datapath;
        try {
            datapath = simulate ? new SimulatedDatapath() : openBpf(pins);
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
        }
        StopSignal stop = new StopSignal();
        try {
            ClusterSource clusterSource = source(spec0, owned);
            try (Agent agent = new Agent(clusterSource, new ServiceTranslator(node), datapath, new AgentMetrics(), Clock.systemUTC());
                 AgentHttp http = AgentHttp.start(listenAddress, agent)) {
                if (!healthCheckAddress.equals("none")) {
                    agent.serveHealthChecks(new dev.kpf.dataplane.agent.HealthCheckPorts(java.net.InetAddress.getByName(healthCheckAddress)));
                }
                agent.start();
                if (datapath instanceof BpfDatapath bpf && !devices.equals("none")) {
                    followDevices(bpf, devices.equals("auto"), owned);
                    sweepConntrack(agent, owned);
                }
                if (datapath instanceof BpfDatapath) owned.add(dev.kpf.dataplane.trace.TraceSweeper.start(pins, java.time.Duration.ofSeconds(2)));
                out.printf("kpf agent: node %s, source %s, datapath %s, serving http://%s:%d/ (healthz livez readyz metrics v1/status v1/services)%n",
                        node, source, datapath.describe(), http.address().getHostString(), http.address().getPort());
                out.flush();
                stop.await(durationSeconds);
            }
        } catch (SourceSpec.SourceException e) {
            datapath.close();
            err.println("kpf agent: " + e.getMessage());
            return 1;
        } finally {
            for (AutoCloseable c : owned) c.close();
            stop.close();
        }
        out.println("kpf agent: stopped; the datapath stays in place (kpf agent --cleanup removes it)");
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Every 30 s: re-detects the devices when they are {@code auto} (addresses and routes change) and moves the tc
     * programs when they changed, and works out again which interfaces backends are reached through (a route that
     * appeared after its pod's endpoint), where replies are translated.
     */
    private void followDevices(BpfDatapath datapath, boolean auto, List<AutoCloseable> owned) {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("kpf-devices").unstarted(r));
        owned.add(timer::shutdownNow);
        timer.scheduleWithFixedDelay(() -> {
            try {
                datapath.followBackendsNow();
                if (!auto) return;
                DeviceDetector.Detected d = DeviceDetector.detect();
                java.net.InetAddress snat = snatIp != null ? java.net.InetAddress.getByName(snatIp) : d.snat4();
                if (!d.devices().equals(datapath.devices()) && !d.devices().isEmpty() && snat instanceof java.net.Inet4Address) {
                    datapath.setDevices(d.devices().stream().map(Device::of).toList(), snat);
                    org.slf4j.LoggerFactory.getLogger(AgentCommand.class).atInfo().setMessage("devices changed")
                            .addKeyValue("devices", d.devices()).addKeyValue("snat", snat.getHostAddress()).log();
                }
            } catch (java.io.IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(AgentCommand.class).atWarn().setMessage("device detection failed; the devices stay").addKeyValue("error", e.getMessage()).log();
            }
        }, 30, 30, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Every 30 s: frees conntrack entries of flows that ended (the programs only free those a packet finds). */
    private static void sweepConntrack(Agent agent, List<AutoCloseable> owned) {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("kpf-conntrack").unstarted(r));
        owned.add(timer::shutdownNow);
        timer.scheduleWithFixedDelay(agent::sweepConntrack, 30, 30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private BpfDatapath openBpf(PinDirectory pins) {
        Path cg = cgroup != null ? cgroup : Cgroup2Mount.find().orElseThrow(() -> new DatapathException(
                "no cgroup2 mount: kpf attaches to a cgroup v2 directory (mount -t cgroup2 none /sys/fs/cgroup/unified, or pass --cgroup)", null));
        if (!pins.onBpffs()) {
            throw new DatapathException(pins.root() + " is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", null);
        }
        List<Device> chosen = new ArrayList<>();
        java.net.InetAddress snat = null, snat6 = null;
        try {
            if (devices.equals("auto")) {
                DeviceDetector.Detected d = DeviceDetector.detect();
                d.devices().forEach(n -> chosen.add(Device.of(n)));
                snat = d.snat4();
                snat6 = d.snat6();
            } else if (!devices.equals("none")) {
                List<String> names = new ArrayList<>();
                for (String n : devices.split(",")) names.add(n.strip());
                names.forEach(n -> chosen.add(Device.of(n)));
                // the SNAT addresses come from the named devices, as auto takes them from the detected ones
                DeviceDetector.Detected d = DeviceDetector.addressesOf(names);
                snat = d.snat4();
                snat6 = d.snat6();
            }
            if (snatIp != null) snat = java.net.InetAddress.getByName(snatIp);
            if (snatIp6 != null) snat6 = java.net.InetAddress.getByName(snatIp6);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new DatapathException("--devices " + devices + ": " + e.getMessage() + " (name the interfaces with --devices IF,... or use none)", e);
        }
        java.util.Optional<dev.kpf.probes.probe.KernelRelease> kernel = dev.kpf.probes.probe.KernelRelease.parse(System.getProperty("os.version"));
        boolean clsact = switch (tcAttach) {
            case "tcx" -> false;
            case "clsact" -> true;
            // the kernel's own answer (backports count), else its release
            case "auto" -> !dev.kpf.probes.probe.LiveKernelFeatures.tcxLinksExpected(kernel);
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--tc-attach " + tcAttach + ": use auto, tcx or clsact");
        };
        if (!chosen.isEmpty() && clsact && tcAttach.equals("auto")) {
            org.slf4j.LoggerFactory.getLogger(AgentCommand.class).atInfo().setMessage("no tcx links: the tc programs attach as clsact filters")
                    .addKeyValue("kernel", kernel.map(Object::toString).orElse("?")).log();
        }
        if (!chosen.isEmpty() && !(snat instanceof java.net.Inet4Address)) {
            throw new DatapathException("no IPv4 address to SNAT external traffic to: none of " + chosen.stream().map(Device::name).toList()
                    + " has a global IPv4 address; add one, pass --snat-ip ADDR (a node address), or --devices none", null);
        }
        if (!lbAlgorithm.equals("random") && !lbAlgorithm.equals("maglev")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--lb-algorithm " + lbAlgorithm + ": use random or maglev");
        }
        if (!dev.kpf.dataplane.lb.Maglev.validSize(maglevTableSize)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--maglev-table-size " + maglevTableSize + ": use a prime from 251 to 65521");
        }
        return BpfDatapath.open(new BpfDatapath.Options(pins, cg, capacities, chosen, snat, lbAlgorithm.equals("maglev"),
                snat6 instanceof java.net.Inet6Address ? snat6 : null, maglevTableSize, clsact, conntrack()));
    }

    /** --snat-ports and the conntrack timeouts, checked. */
    private dev.kpf.dataplane.bpf.ConntrackConfig conntrack() {
        String[] range = snatPorts.split("-", 2);
        try {
            return new dev.kpf.dataplane.bpf.ConntrackConfig(Integer.parseInt(range[0].strip()), Integer.parseInt(range[range.length - 1].strip()),
                    Duration.ofSeconds(tcpTimeout), Duration.ofSeconds(udpTimeout), dev.kpf.dataplane.bpf.ConntrackConfig.DEFAULT.closingTimeout());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snat-ports " + snatPorts + ": use MIN-MAX, e.g. 1024-32767");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private ClusterSource source(SourceSpec s, List<AutoCloseable> owned) throws Exception {
        Duration min = Duration.ofMillis(minSyncMillis);
        return switch (s.kind()) {
            case "dir" -> {
                if (!Files.exists(s.path())) throw new SourceSpec.SourceException(s.path() + " does not exist");
                yield new DirectorySource(s.path(), Duration.ofSeconds(1), Clock.systemUTC());
            }
            case "demo" -> {
                // the demo: the fake API server in this process, with churn, watched like a real cluster
                FakeApiServer server = FakeApiServer.start(0);
                owned.add(server);
                for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) server.store().put(o);
                owned.addFirst(DemoChurn.start(server.store(), Duration.ofSeconds(2), 42));
                Path config = Files.createTempFile("kpf-demo", ".kubeconfig");
                server.writeKubeconfig(config);
                owned.add(() -> Files.deleteIfExists(config));
                yield new KubeSource(KubeClients.fromKubeconfig(config), "demo (" + server.url() + ")", min, Duration.ofMinutes(5), Clock.systemUTC());
            }
            default -> {
                Path config = SourceSpec.kubeconfigPath(kubeconfig);
                if (config != null) yield new KubeSource(KubeClients.fromKubeconfig(config), config.toString(), min, Duration.ofMinutes(5), Clock.systemUTC());
                dev.kpf.dataplane.source.InClusterApi api;
                try {
                    api = dev.kpf.dataplane.source.InClusterApi.resolve(java.util.Optional.ofNullable(apiServer), System.getenv(),
                            dev.kpf.dataplane.source.InClusterApi.SERVICE_ACCOUNT);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
                if (api.throughService()) {
                    org.slf4j.LoggerFactory.getLogger(AgentCommand.class).atWarn().setMessage("reaching the API server through the kubernetes Service: "
                            + "on a node without kube-proxy set --k8s-api-server to the API server's own address").addKeyValue("server", api.server()).log();
                }
                yield new KubeSource(api.client(), api.description(), min, Duration.ofMinutes(5), Clock.systemUTC())
                        .withUnreachableHint(api.unreachableHint());
            }
        };
    }

    private InetSocketAddress parseListen(String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen " + text + ": use ADDR:PORT, e.g. " + dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN + "");
        }
    }
}
