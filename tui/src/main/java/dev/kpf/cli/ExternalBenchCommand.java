package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.cli.bench.AcceptServer;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Device;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpf bench external}: traffic from outside the node. A client namespace connects (and reads a one-byte
 * answer) through a "node" namespace to a backend namespace: directly to the backend, to a NodePort through kpf's tc
 * datapath (with N services in the maps), and to the same NodePort through kube-proxy's iptables DNAT and
 * masquerade rules for the same N services. Everything runs in namespaces this command creates and removes.
 */
@Command(name = "external", description = "External connect rate and latency: direct vs NodePort through kpf (tc) vs through kube-proxy-shaped iptables.")
final class ExternalBenchCommand implements Callable<Integer> {
    static final String NODE_IP = "10.120.0.1", CLIENT = "10.120.0.2", BACKEND = "10.121.0.2", REMOTE_BACKEND = "10.123.0.2";
    static final int NODE_PORT = 32767, REMOTE_NODE_PORT = 32766, UDP_NODE_PORT = 32765;
    /** The UDP run's SNAT port range and timeout: far more flows than ports go through as ports of ended flows are taken over. */
    static final dev.kpf.dataplane.bpf.ConntrackConfig UDP_RUN = new dev.kpf.dataplane.bpf.ConntrackConfig(40000, 41023,
            java.time.Duration.ofHours(2), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(10));

    @Option(paramLabel = "N", names = "--services", defaultValue = "10000", description = "Services in kpf's maps and in the iptables rules (default ${DEFAULT-VALUE}).")
    int services;

    @Option(paramLabel = "N", names = "--connections", defaultValue = "10000", description = "Measured connections per variant (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(paramLabel = "N", names = "--udp-flows", defaultValue = "20000", description = "UDP flows through a 1,024-port SNAT range (default ${DEFAULT-VALUE}).")
    int udpFlows;

    @Option(paramLabel = "N", names = "--sweep-flows", defaultValue = "100000", description = "Flows in the conntrack map for the sweep's cost (default ${DEFAULT-VALUE}).")
    int sweepFlows;

    @Option(paramLabel = "SECONDS", names = "--cap", defaultValue = "120", description = "Seconds the iptables rules may take to load (default ${DEFAULT-VALUE}).")
    int capSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;


    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || connections < 100 || connections > 1_000_000 || udpFlows < 100 || udpFlows > 1_000_000
                || sweepFlows < 1000 || sweepFlows > 131_072) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long pid = ProcessHandle.current().pid();
        String client = "kpfext" + pid + "c", node = "kpfext" + pid + "n", backend = "kpfext" + pid + "b";
        String router = "kpfext" + pid + "r", remote = "kpfext" + pid + "m";
        String toClient = "kxc" + pid, toBackend = "kxb" + pid, toRouter = "kxr" + pid;
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-external-" + pid));
        Path dir = Files.createTempDirectory("kpf-bench-external");
        Thread hook = new Thread(() -> cleanupPins(pins));
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, ClientResult> results = new LinkedHashMap<>();
        UdpRun.Result udp;
        ConntrackBench.Result sweep;
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-external-" + pid);
             BenchNamespace clientNs = BenchNamespace.create(client);
             BenchNamespace nodeNs = BenchNamespace.create(node);
             BenchNamespace backendNs = BenchNamespace.create(backend);
             BenchNamespace routerNs = BenchNamespace.create(router);
             BenchNamespace remoteNs = BenchNamespace.create(remote)) {
            err.println("setting up namespaces " + client + " -- " + node + " -- " + backend);
            err.flush();
            for (String ns : List.of(client, node, backend)) run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "link", "add", "c" + toClient, "netns", client, "type", "veth", "peer", "name", toClient, "netns", node);
            run("ip", "link", "add", "b" + toBackend, "netns", backend, "type", "veth", "peer", "name", toBackend, "netns", node);
            run("ip", "-n", client, "addr", "add", CLIENT + "/24", "dev", "c" + toClient);
            run("ip", "-n", node, "addr", "add", NODE_IP + "/24", "dev", toClient);
            run("ip", "-n", node, "addr", "add", "10.121.0.1/24", "dev", toBackend);
            run("ip", "-n", backend, "addr", "add", BACKEND + "/24", "dev", "b" + toBackend);
            for (String[] l : new String[][] {{client, "c" + toClient}, {node, toClient}, {node, toBackend}, {backend, "b" + toBackend}}) {
                run("ip", "-n", l[0], "link", "set", l[1], "up");
            }
            run("ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            // specific routes only: the client reaches the backend network through the node, the backend the client's
            run("ip", "-n", client, "route", "add", "10.121.0.0/24", "via", NODE_IP);
            run("ip", "-n", backend, "route", "add", "10.120.0.0/24", "via", "10.121.0.1");
            remoteBackend(node, router, remote, toRouter);
            ConnectBenchCommand.start(backendNs.exec(), AcceptServer.class, List.of(BACKEND, "8080", "1800", "answer"));
            ConnectBenchCommand.start(remoteNs.exec(), AcceptServer.class, List.of(REMOTE_BACKEND, "8080", "1800", "answer"));
            ConnectBenchCommand.start(backendNs.exec(), dev.kpf.cli.bench.IdentityServer.class, List.of("1800", "8053", BACKEND));

            LbTable table = table();
            err.printf("kpf: %d frontends into the BPF maps, tc on %s (the client-facing interface, as --devices auto picks)%n", table.size(), toClient);
            err.flush();
            Path nodeNetns = Path.of("/run/netns", node);
            BpfDatapath.Options options = new BpfDatapath.Options(pins, cgroup.path(), Map.of(), List.of(new Device(nodeNetns, toClient)), InetAddress.getByName(NODE_IP));
            try (BpfDatapath datapath = BpfDatapath.open(options)) {
                datapath.apply(table);
                err.println("kpf: replies arrive on " + datapath.replyDevices());
                err.flush();
                results.put("direct", load(client, BACKEND, 8080));
                results.put("kpf", load(client, NODE_IP, NODE_PORT));
                results.put("kpf-remote", load(client, NODE_IP, REMOTE_NODE_PORT));
            }
            try (BpfDatapath datapath = BpfDatapath.open(options.withConntrack(UDP_RUN))) {
                err.printf("kpf: %,d UDP flows through %,d SNAT ports (flows end 1 s after their last packet)%n", udpFlows, UDP_RUN.ports());
                err.flush();
                udp = UdpRun.run(datapath, client, udpFlows);
                err.printf("kpf: sweeping %,d conntrack entries%n", 2 * sweepFlows);
                err.flush();
                sweep = ConntrackBench.run(datapath, pins, sweepFlows);
            }
            cleanupPins(pins);
            Path rules = Files.writeString(dir.resolve("rules"), KubeProxyRules.iptables(table)
                    // kube-proxy masquerades NodePort traffic from outside (KUBE-EXT chains mark it for SNAT)
                    + "*nat\n-A POSTROUTING -o " + toBackend + " -j MASQUERADE\n-A POSTROUTING -o " + toRouter + " -j MASQUERADE\nCOMMIT\n");
            err.printf("iptables: loading kube-proxy's rules for %d services into %s (cap %d s)%n", services, node, capSeconds);
            err.flush();
            long t = System.nanoTime();
            Process restore = nodeNs.start(List.of("iptables-restore", "--noflush", rules.toString()), ProcessBuilder.Redirect.DISCARD);
            if (!restore.waitFor(capSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("iptables-restore took over " + capSeconds + " s; raise --cap or lower --services");
            }
            if (restore.exitValue() != 0) throw new IllegalStateException("iptables-restore failed");
            err.printf("iptables: loaded in %.1f s%n", (System.nanoTime() - t) / 1e9);
            err.flush();
            results.put("iptables", load(client, NODE_IP, NODE_PORT));
            results.put("iptables-remote", load(client, NODE_IP, REMOTE_NODE_PORT));
        } finally {
            cleanupPins(pins);
            BenchCleanup.finish(hook, dir);
        }
        out.printf("kpf bench external: %d services, %d connections with a one-byte answer per variant, client -- node -- backend namespaces%n%n",
                services, connections);
        results.forEach((k, r) -> out.printf("%-66s %,8.0f connects/s   latency p50 %5d us, p99 %5d us%n", switch (k) {
            case "direct" -> "direct to the backend on the node (routed by the node)";
            case "kpf" -> "NodePort through kpf (tc, SNAT), backend on the node";
            case "kpf-remote" -> "NodePort through kpf (tc, SNAT), backend behind another node";
            case "iptables" -> "NodePort through iptables DNAT + masquerade, backend on the node";
            default -> "NodePort through iptables DNAT + masquerade, backend behind another";
        }, r.rate(), r.p50us(), r.p99us()));
        ClientResult kpf = results.get("kpf"), ipt = results.get("iptables"), direct = results.get("direct");
        out.printf("%nratio kpf / iptables connects: backend on the node %.2fx, behind another node %.2fx (target >= 1.5x)%n", kpf.rate() / ipt.rate(),
                results.get("kpf-remote").rate() / results.get("iptables-remote").rate());
        out.printf("kpf p99 latency / direct p99: %.2fx (target <= 1.10x)%n", (double) kpf.p99us() / Math.max(1, direct.p99us()));
        out.printf("UDP: %,d flows through %,d SNAT ports in %.1f s: %,d answered (%,.0f flows/s, p50 %d us, p99 %d us), %,d dropped for no free port,"
                        + " %,d ports taken over from ended flows%n", udpFlows, UDP_RUN.ports(), udp.seconds(), udp.answered(), udp.answered() / udp.seconds(),
                udp.p50us(), udp.p99us(), udp.exhausted(), udp.reused());
        out.printf("conntrack sweep: %,d entries, half of them ended: %.1f ms CPU (%.1f ms per 100,000 entries) deleting %,d; a sweep with nothing to"
                        + " delete %.1f ms CPU (%.1f ms per 100,000)%n", sweep.entries(), sweep.deleting().cpuNanos() / 1e6,
                sweep.cpuMsPer100k(sweep.deleting()), sweep.deleting().deleted(), sweep.reading().cpuNanos() / 1e6, sweep.cpuMsPer100k(sweep.reading()));
        out.flush();
        return ExitCodes.OK;
    }

    /** N scale services plus the measured NodePort service on the node's address, whose only backend is the real server. */
    private LbTable table() {
        List<JsonObject> objects = new ArrayList<>();
        // this node first: the scale cluster has a node-a of its own, and the first of two duplicates wins
        objects.add(JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"},
                 "status": {"addresses": [{"type": "InternalIP", "address": "%s"}]}}""".formatted(NODE_IP)).getAsJsonObject());
        objects.addAll(ScaleCluster.generate(services, 1, 0.0, 1).objects());
        objects.add(JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench", "namespace": "zz-bench"},
                 "spec": {"type": "NodePort", "clusterIP": "10.127.255.2", "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": %d}]}}"""
                .formatted(NODE_PORT)).getAsJsonObject());
        objects.add(JsonParser.parseString("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                 "metadata": {"name": "bench-1", "namespace": "zz-bench", "labels": {"kubernetes.io/service-name": "bench"}},
                 "ports": [{"name": "http", "port": 8080}], "endpoints": [{"addresses": ["%s"], "nodeName": "node-b"}]}""".formatted(BACKEND)).getAsJsonObject());
        objects.addAll(nodePort("bench-remote", "10.127.255.3", REMOTE_NODE_PORT, "TCP", REMOTE_BACKEND, 8080));
        objects.addAll(nodePort("bench-udp", "10.127.255.4", UDP_NODE_PORT, "UDP", BACKEND, 8053));
        return new ServiceTranslator("node-a").translate(TranslateBenchCommand.decode(objects));
    }

    private static List<JsonObject> nodePort(String name, String clusterIp, int nodePort, String protocol, String backend, int port) {
        return List.of(JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s", "namespace": "zz-bench"},
                 "spec": {"type": "NodePort", "clusterIP": "%s", "ports": [{"name": "p", "port": 80, "targetPort": %d, "nodePort": %d, "protocol": "%s"}]}}"""
                .formatted(name, clusterIp, port, nodePort, protocol)).getAsJsonObject(), JsonParser.parseString("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                 "metadata": {"name": "%s-1", "namespace": "zz-bench", "labels": {"kubernetes.io/service-name": "%s"}},
                 "ports": [{"name": "p", "port": %d, "protocol": "%s"}], "endpoints": [{"addresses": ["%s"], "nodeName": "node-b"}]}"""
                .formatted(name, name, port, protocol, backend)).getAsJsonObject());
    }

    /**
     * The remote backend: behind a router namespace ("another node") on a second interface of the node: node --kxr--
     * router -- remote backend (10.123.0.2). Specific routes only.
     */
    private static void remoteBackend(String node, String router, String remote, String toRouter) throws Exception {
        for (String ns : List.of(router, remote)) run("ip", "-n", ns, "link", "set", "lo", "up");
        run("ip", "link", "add", toRouter, "netns", node, "type", "veth", "peer", "name", "r" + toRouter, "netns", router);
        run("ip", "link", "add", "m" + toRouter, "netns", router, "type", "veth", "peer", "name", "b" + toRouter, "netns", remote);
        for (String[] a : new String[][] {{node, toRouter, "10.122.0.1/24"}, {router, "r" + toRouter, "10.122.0.2/24"}, {router, "m" + toRouter, "10.123.0.1/24"},
                {remote, "b" + toRouter, REMOTE_BACKEND + "/24"}}) {
            run("ip", "-n", a[0], "addr", "add", a[2], "dev", a[1]);
            run("ip", "-n", a[0], "link", "set", a[1], "up");
        }
        run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        run("ip", "-n", node, "route", "add", "10.123.0.0/24", "via", "10.122.0.2");
        run("ip", "-n", router, "route", "add", "10.120.0.0/24", "via", "10.122.0.1");
        run("ip", "-n", remote, "route", "add", "10.120.0.0/24", "via", "10.123.0.1");
        // kube-proxy's masquerade takes the address of the interface towards the backend
        run("ip", "-n", remote, "route", "add", "10.122.0.0/24", "via", "10.123.0.1");
    }

    private ClientResult load(String ns, String target, int port) throws Exception {
        return ClientResult.run(List.of("nsenter", "--net=/run/netns/" + ns), target, port, connections, 1000, true);
    }

    private static void run(String... cmd) throws Exception {
        BenchNamespace.run(List.of(cmd), 60);
    }

    private static void cleanupPins(PinDirectory pins) {
        try {
            BpfDatapath.cleanup(pins);
        } catch (RuntimeException ignored) {
            // nothing pinned
        }
    }
}
