package dev.kpf.tui;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.DaemonSetChecks;
import dev.kpf.diagnostics.DaemonSetRow;
import dev.kpf.diagnostics.DoctorReport;
import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeRunner;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.demo.DemoCluster;
import dev.kpf.tui.model.DaemonSetView;
import dev.kpf.tui.model.DoctorView;
import dev.kpf.tui.model.Header;
import dev.kpf.tui.model.NodeView;
import dev.kpf.tui.model.ServiceRow;
import dev.kpf.tui.model.ServiceRows;
import dev.kpf.tui.model.TuiSnapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Deterministic models for screen tests: the demo cluster's table with made-up counters, a fixed node, fixture probes. */
public final class TuiFixtures {
    private TuiFixtures() {}

    public static LbTable demoTable() {
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "demo"));
        return new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
    }

    /** Counters after {@code round} seconds: frontend i has made i*round connects, spread over its backends. */
    static Counters counters(LbTable table, int round) {
        Map<Frontend, Counters.Count> f = new HashMap<>();
        Map<String, Counters.Count> b = new HashMap<>();
        int i = 0;
        for (LbEntry e : table.entries().values()) {
            long n = (long) (i++ % 7 + (i % 3 == 0 ? 0 : 1)) * round * (round + 1) / 2 * (i % 5 + 1);
            f.put(e.frontend(), new Counters.Count(n, e.backends().isEmpty() ? n : 0));
            for (Backend be : e.backends()) {
                b.merge(Counters.backendKey(be.address(), be.port(), be.protocol()), new Counters.Count(n / e.backends().size(), 0),
                        (x, y) -> new Counters.Count(x.connects() + y.connects(), 0));
            }
        }
        return new Counters(f, b);
    }

    /** Service rows after {@code rounds} one-second refreshes; the intent lacks one service so its frontend shows as extra. */
    public static List<ServiceRow> serviceRows(LbTable table, int rounds) {
        ServiceRows rows = new ServiceRows(60);
        TreeMap<Frontend, LbEntry> intentEntries = new TreeMap<>(table.entries());
        intentEntries.entrySet().removeIf(e -> e.getValue().service().name().equals("legacy-gateway"));
        LbTable intent = new LbTable(intentEntries, List.of());
        List<ServiceRow> out = List.of();
        for (int r = 1; r <= rounds; r++) out = rows.build(table, counters(table, r), intent, true, 1.0);
        return out;
    }

    static NodeFacts facts() {
        return new NodeFacts("node-a", "Ubuntu 22.04.4 LTS", "Ubuntu", "22.04.4 LTS", "5.15.0-91-generic", "AMD EPYC 7B13", 8, 16,
                64L << 30, 40L << 30, Duration.ofHours(50).plusMinutes(7), List.of(
                new NodeFacts.NetInterface("ens4", "42:01:0a:80:00:0b", true, 1460, List.of("192.168.10.11/24", "fd00:10::11/64")),
                new NodeFacts.NetInterface("lo", "00:00:00:00:00:00", true, 65536, List.of("127.0.0.1/8", "::1/128"))));
    }

    static List<DaemonSetRow> daemonSets(DemoCluster.Variant variant) {
        return DemoCluster.objects(variant).stream().filter(o -> o.get("kind").getAsString().equals("DaemonSet"))
                .map(ClusterReader::daemonSetRow).sorted(java.util.Comparator.comparing(DaemonSetRow::namespace).thenComparing(DaemonSetRow::name)).toList();
    }

    public static TuiSnapshot snapshot(boolean simulated) {
        LbTable table = demoTable();
        double[] cpu = new double[30], mem = new double[30];
        for (int i = 0; i < 30; i++) {
            cpu[i] = 20 + 15 * Math.sin(i / 3.0);
            mem[i] = 41 + i / 10.0;
        }
        List<DaemonSetRow> ds = daemonSets(DemoCluster.Variant.WITH_KUBE_PROXY);
        DoctorReport doctor = new DoctorReport(List.of(
                CheckResult.of("node.facts", "node", ProbeStatus.PASS, facts().summary(), "", ""),
                CheckResult.of("daemonsets.kube-proxy-absent", "cluster", ProbeStatus.FAIL, "kube-proxy runs: kube-system/kube-proxy", "",
                        "enable preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\" on the Cluster (irreversible)"),
                CheckResult.of("agent.health", "agent", ProbeStatus.WARN, "healthz 200, readyz 200, 69 frontends", "", "the agent runs with --simulate")), facts());
        return new TuiSnapshot(new Header("node-a (demo)", "5.15.0-91-generic", "ready, 12 syncs", "demo API 127.0.0.1:40000", simulated,
                simulated ? "not root: run sudo kpf tui --demo" : ""),
                serviceRows(table, 12), null, new NodeView(facts(), cpu, mem, null),
                ProbeRunner.forHost(new HostRoot(host("ubuntu-22.04-kernel-5.15"))),
                new DaemonSetView(ds, DaemonSetChecks.evaluate(ds), null), new DoctorView(doctor, false, null), trace());
    }

    /** A few traced translations of the demo cluster, at fixed times. */
    static dev.kpf.tui.model.TraceView trace() {
        List<dev.kpf.tui.model.TraceRow> rows = new ArrayList<>();
        java.time.Instant t0 = java.time.Instant.parse("2026-11-25T10:15:30.250Z");
        rows.add(traceRow(t0.plusMillis(40), "curl", 4242, dev.kpf.dataplane.trace.TraceHook.CONNECT, dev.kpf.dataplane.trace.TraceOutcome.TRANSLATED,
                6, "10.96.1.10", 80, "10.244.1.136", 8080, "shop/frontend:http", "frontend-7c9d-x2k4p"));
        rows.add(traceRow(t0.plusMillis(20), "coredns", 311, dev.kpf.dataplane.trace.TraceHook.SENDMSG, dev.kpf.dataplane.trace.TraceOutcome.TRANSLATED,
                17, "10.96.0.10", 53, "10.244.2.36", 53, "kube-system/kube-dns:dns", "kube-dns-7d9f8-bx1"));
        rows.add(traceRow(t0.plusMillis(10), "java", 977, dev.kpf.dataplane.trace.TraceHook.CONNECT, dev.kpf.dataplane.trace.TraceOutcome.REFUSED,
                6, "10.96.3.30", 5432, null, 0, "shop/orders-db:pg", ""));
        rows.add(traceRow(t0, "curl", 4240, dev.kpf.dataplane.trace.TraceHook.CONNECT, dev.kpf.dataplane.trace.TraceOutcome.AFFINITY_HIT,
                6, "10.96.1.10", 80, "10.244.2.137", 8080, "shop/frontend:http", "frontend-7c9d-m8q2z"));
        Map<String, List<dev.kpf.tui.model.TraceRow>> per = new java.util.LinkedHashMap<>();
        for (dev.kpf.tui.model.TraceRow r : rows) per.computeIfAbsent(r.service(), k -> new ArrayList<>()).add(r);
        return new dev.kpf.tui.model.TraceView(true, "tracing", "", rows, per, 57, 0);
    }

    private static dev.kpf.tui.model.TraceRow traceRow(java.time.Instant time, String comm, int pid, dev.kpf.dataplane.trace.TraceHook hook,
                                                       dev.kpf.dataplane.trace.TraceOutcome outcome, int proto, String vip, int vipPort,
                                                       String backend, int backendPort, String service, String pod) {
        try {
            dev.kpf.dataplane.trace.TraceEvent e = new dev.kpf.dataplane.trace.TraceEvent(time, pid, comm, 4012, 4026531840L, 81922L, proto, hook, outcome,
                    java.net.InetAddress.getByName(vip), vipPort,
                    backend == null ? java.util.Optional.empty() : java.util.Optional.of(java.net.InetAddress.getByName(backend)), backendPort, 3, 7);
            return new dev.kpf.tui.model.TraceRow(e, service, pod);
        } catch (java.net.UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static Path host(String name) {
        return Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "hosts", name).toAbsolutePath().normalize();
    }
}
