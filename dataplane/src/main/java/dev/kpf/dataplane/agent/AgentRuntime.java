package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.Device;
import dev.kpf.dataplane.bpf.DeviceDetector;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.source.ClusterSource;
import dev.kpf.dataplane.trace.TraceSweeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running agent with everything around it, started from {@link AgentSettings}: the sync loop on the source and
 * datapath, its HTTP surface (and the metrics-only listener when asked), the health check node ports, and on a BPF
 * datapath the periodic work: devices followed (auto) and backends' routes re-read, conntrack swept, trace slots of
 * dead tracers freed; on any datapath, heap grown by a burst of changes given back. Closing stops all of it and leaves the datapath serving (as {@link Agent#close} does).
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kpf.agent");
    /** How often devices are re-detected, replies' interfaces re-read and conntrack swept. */
    static final Duration PERIOD = Duration.ofSeconds(30);

    private final Agent agent;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private AgentHttp http;
    private AgentHttp metricsHttp;

    private AgentRuntime(Agent agent) {
        this.agent = agent;
    }

    /**
     * Starts an agent on {@code source} and {@code datapath} (see {@link AgentDatapath#open}); both are closed with it,
     * also when starting fails.
     */
    public static AgentRuntime start(AgentSettings s, ClusterSource source, Datapath datapath) throws IOException {
        AgentRuntime rt = new AgentRuntime(new Agent(source, new ServiceTranslator(s.nodeName()), datapath, new AgentMetrics(), Clock.systemUTC()));
        try {
            rt.http = AgentHttp.start(s.listen(), rt.agent);
            if (s.metricsListen().isPresent()) rt.metricsHttp = AgentHttp.startMetricsOnly(s.metricsListen().get(), rt.agent);
            if (s.healthCheckAddress().isPresent()) rt.agent.serveHealthChecks(new HealthCheckPorts(s.healthCheckAddress().get()));
            rt.agent.start();
            rt.every("kpf-heap", rt.agent::returnHeapWhenIdle);
            if (datapath instanceof BpfDatapath bpf) {
                if (!(s.devices() instanceof AgentSettings.Devices.None)) {
                    rt.every("kpf-devices", () -> followDevices(bpf, s));
                    rt.every("kpf-conntrack", rt.agent::sweepConntrack);
                }
                rt.owned.add(TraceSweeper.start(s.pins(), Duration.ofSeconds(2)));
            }
            return rt;
        } catch (IOException | RuntimeException e) {
            rt.close();
            throw e;
        }
    }

    private void every(String name, Runnable work) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name(name).unstarted(r));
        owned.add(timer::shutdownNow);
        timer.scheduleWithFixedDelay(work, PERIOD.toSeconds(), PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * Works out again which interfaces backends are reached through (a route that appeared after its pod's
     * endpoint), where replies are translated; with {@code --devices auto} also re-detects the devices (addresses and
     * routes change) and moves the tc programs when they changed.
     */
    private static void followDevices(BpfDatapath datapath, AgentSettings s) {
        try {
            datapath.followBackendsNow();
            if (!(s.devices() instanceof AgentSettings.Devices.Auto)) return;
            DeviceDetector.Detected d = DeviceDetector.detect();
            InetAddress snat = s.snatIp().orElse(d.snat4());
            if (!d.devices().equals(datapath.devices()) && !d.devices().isEmpty() && snat instanceof Inet4Address) {
                datapath.setDevices(d.devices().stream().map(Device::of).toList(), snat);
                LOG.atInfo().setMessage("devices changed").addKeyValue("devices", d.devices()).addKeyValue("snat", snat.getHostAddress()).log();
            }
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().setMessage("device detection failed; the devices stay").addKeyValue("error", e.getMessage()).log();
        }
    }

    public Agent agent() {
        return agent;
    }

    /** Where health, metrics and the status API are served. */
    public InetSocketAddress address() {
        return http.address();
    }

    /** Where the metrics-only listener serves, when there is one. */
    public Optional<InetSocketAddress> metricsAddress() {
        return Optional.ofNullable(metricsHttp).map(AgentHttp::address);
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.atWarn().setMessage("stopping a periodic task failed").addKeyValue("error", String.valueOf(e.getMessage())).log();
            }
        }
        if (metricsHttp != null) metricsHttp.close();
        if (http != null) http.close();
        agent.close();
    }
}
