package dev.kpf.tui.demo;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.agent.Agent;
import dev.kpf.dataplane.agent.AgentHttp;
import dev.kpf.dataplane.agent.AgentMetrics;
import dev.kpf.dataplane.agent.AgentStatus;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoChurn;
import dev.kpf.testdata.demo.DemoCluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Everything `kpf tui --demo` runs in this process: the fake API server with the demo cluster and its churn, the
 * agent watching it through the official client, and its datapath. As root the datapath is real (maps and programs
 * in the kernel, pinned under /sys/fs/bpf/kpf-demo-PID and attached to a cgroup of the demo's own, with a traffic
 * process in a namespace of the demo's own so the counters move); otherwise the maps are simulated and say so.
 * Closing undoes all of it, in reverse order; {@link DemoLeftovers} removes what a killed demo left.
 */
public final class DemoSession implements AutoCloseable {
    public static final String NODE = "node-a";
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final FakeApiServer api;
    private final Path kubeconfig;
    private final Agent agent;
    private final AgentHttp http;
    private final PinDirectory pins;
    private final String simulatedWhy;
    private final ClusterReader cluster;

    private DemoSession(FakeApiServer api, Path kubeconfig, Agent agent, AgentHttp http, PinDirectory pins, String simulatedWhy) {
        this.api = api;
        this.kubeconfig = kubeconfig;
        this.agent = agent;
        this.http = http;
        this.pins = pins;
        this.simulatedWhy = simulatedWhy;
        this.cluster = clusterReader(kubeconfig);
    }

    /** Starts the demo; {@code realDatapath} false forces simulated maps (tests, or no privileges). */
    public static DemoSession start(boolean realDatapath, int connectsPerSecond) throws IOException {
        DemoLeftovers.remove();
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            FakeApiServer api = FakeApiServer.start(0);
            owned.push(api);
            for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) api.store().put(o);
            Path kubeconfig = Files.createTempFile("kpf-demo", ".kubeconfig");
            owned.push(() -> Files.deleteIfExists(kubeconfig));
            api.writeKubeconfig(kubeconfig);
            owned.push(DemoChurn.start(api.store(), Duration.ofSeconds(2), 42));

            long pid = ProcessHandle.current().pid();
            Datapath datapath = null;
            PinDirectory pins = null;
            String why = null;
            DemoNetwork network = null;
            if (!realDatapath) {
                why = "started with --simulate";
            } else if (!DemoLeftovers.privileged()) {
                why = "not root: run sudo kpf tui --demo";
            } else {
                try {
                    TemporaryCgroup cgroup = TemporaryCgroup.create(DemoLeftovers.PREFIX + pid);
                    owned.push(cgroup);
                    pins = new PinDirectory(Path.of("/sys/fs/bpf", DemoLeftovers.PREFIX + pid));
                    PinDirectory p = pins;
                    owned.push(() -> BpfDatapath.cleanup(p));
                    datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), java.util.Map.of()));
                    network = DemoNetwork.create(DemoLeftovers.PREFIX + pid, cgroup.path());
                    owned.push(network);
                } catch (RuntimeException | IOException e) {
                    why = "the real datapath could not start: " + e.getMessage();
                    if (datapath != null) datapath.close();
                    datapath = null;
                    pins = null;
                }
            }
            if (datapath == null) datapath = new SimulatedDatapath();
            KubeSource source = new KubeSource(KubeClients.fromKubeconfig(kubeconfig), "demo (" + api.url() + ")", Duration.ofMillis(200),
                    Duration.ofMinutes(5), Clock.systemUTC());
            Datapath owns = datapath;
            owned.push(owns::close);
            Agent agent = new Agent(source, new ServiceTranslator(NODE), datapath, new AgentMetrics(), Clock.systemUTC());
            owned.push(agent);
            agent.start();
            AgentHttp http = AgentHttp.start(new InetSocketAddress("127.0.0.1", 0), agent);
            owned.push(http);
            DemoSession session = new DemoSession(api, kubeconfig, agent, http, pins, why);
            session.owned.addAll(owned);
            owned.clear();
            if (network != null) session.feedTraffic(network, connectsPerSecond);
            return session;
        } catch (IOException | RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /** Keeps the traffic namespace's addresses and targets in step with the maps, and starts the traffic. */
    private void feedTraffic(DemoNetwork network, int perSecond) throws IOException {
        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("kpf-demo-traffic").unstarted(r));
        owned.push(() -> {
            feeder.shutdownNow();
            feeder.awaitTermination(5, TimeUnit.SECONDS);
        });
        feeder.scheduleWithFixedDelay(() -> {
            try {
                network.update(agent.datapath().readBack());
            } catch (IOException | RuntimeException e) {
                // the next round retries; the Services screen shows what is programmed either way
            }
        }, 0, 3, TimeUnit.SECONDS);
        network.startTraffic(perSecond, TimeUnit.HOURS.toSeconds(12));
    }

    private static ClusterReader clusterReader(Path kubeconfig) {
        try {
            return new ClusterReader(KubeClients.fromKubeconfig(kubeconfig));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Agent agent() {
        return agent;
    }

    public boolean simulated() {
        return simulatedWhy != null;
    }

    public String simulatedWhy() {
        return simulatedWhy;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public URI agentUri() {
        return URI.create("http://127.0.0.1:" + http.address().getPort());
    }

    /** The pin directory of the real datapath, or null when simulated. */
    public PinDirectory pins() {
        return pins;
    }

    public ClusterReader cluster() {
        return cluster;
    }

    public String source() {
        return "demo API " + api.url().replace("http://", "") + ", churn 2 s";
    }

    /** The maps and counters as the kernel holds them (or the simulated maps). */
    public PinnedTable.Reading reading() {
        Datapath d = agent.datapath();
        return new PinnedTable.Reading(d.readBack(), d.counters());
    }

    public String agentState() {
        AgentStatus s = agent.status();
        return (s.ready() ? "ready" : "starting") + ", " + s.syncs() + " syncs" + (s.lastErrors().isEmpty() ? "" : ", " + s.lastErrors().size() + " errors");
    }

    @Override
    public void close() {
        closeAll(owned);
    }

    private static void closeAll(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }
}
