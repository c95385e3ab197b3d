package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The socket programs' counters as Prometheus counters, read from the maps when scraped (at most once a second).
 * Labels are bounded: one series per Service port and protocol (its frontends summed: ClusterIP, NodePort, ...) up
 * to {@link #MAX_SERVICES}, one per backend address and protocol up to {@link #MAX_BACKENDS}, the rest summed into
 * "(other)"; nothing per connection or per client. Series never go down while frontends and backends come and go
 * ({@link MonotonicSeries}). A failed read keeps the last values.
 */
final class CounterMetrics {
    static final int MAX_SERVICES = 1000, MAX_BACKENDS = 2000;
    static final String OTHER = MonotonicSeries.OTHER;
    private static final Logger LOG = LoggerFactory.getLogger("kpf.agent");

    private record Snapshot(Map<String, long[]> services, Map<String, long[]> backends, long at) {}

    private final Supplier<Counters> counters;
    private final Supplier<LbTable> table;
    private final MonotonicSeries services = new MonotonicSeries(MAX_SERVICES, 2);
    private final MonotonicSeries backends = new MonotonicSeries(MAX_BACKENDS, 1);
    private Snapshot last = new Snapshot(Map.of(), Map.of(), 0);

    CounterMetrics(PrometheusRegistry registry, Supplier<Counters> counters, Supplier<LbTable> table) {
        this.counters = counters;
        this.table = table;
        CounterWithCallback.builder().name("kpf_service_connects_total")
                .help("Connects (TCP) and connects plus datagrams sent (UDP) the socket programs translated, per Service port")
                .labelNames("service", "protocol")
                .callback(cb -> snapshot().services().forEach((k, v) -> cb.call(v[0], k.split("\t"))))
                .register(registry);
        CounterWithCallback.builder().name("kpf_service_refused_total")
                .help("Connects refused because the Service port had no backend")
                .labelNames("service", "protocol")
                .callback(cb -> snapshot().services().forEach((k, v) -> cb.call(v[1], k.split("\t"))))
                .register(registry);
        CounterWithCallback.builder().name("kpf_backend_connects_total")
                .help("Connects and datagrams the socket programs sent to each backend, over all its frontends")
                .labelNames("backend", "protocol")
                .callback(cb -> snapshot().backends().forEach((k, v) -> cb.call(v[0], k.split("\t"))))
                .register(registry);
    }

    /** One reading of the maps serves all three metrics of a scrape. */
    private synchronized Snapshot snapshot() {
        if (last.at() != 0 && System.nanoTime() - last.at() < 1_000_000_000L) return last;
        Counters c;
        LbTable t;
        try {
            c = counters.get();
            t = table.get();
        } catch (RuntimeException e) {
            LOG.atWarn().setMessage("cannot read the programs' counters; the metrics keep their last values").addKeyValue("error", e.getMessage()).log();
            return last;
        }
        Map<String, Map.Entry<String, long[]>> frontendMembers = new HashMap<>();
        if (t != null) {
            for (LbEntry e : t.entries().values()) {
                Counters.Count n = c.frontend(e.frontend());
                frontendMembers.put(e.frontend().toString(), Map.entry(e.servicePortName() + "\t" + e.frontend().protocol(),
                        new long[] {n.connects(), n.refused()}));
            }
        }
        Map<String, Map.Entry<String, long[]>> backendMembers = new HashMap<>();
        c.backends().forEach((key, n) -> {
            int slash = key.lastIndexOf('/');
            backendMembers.put(key, Map.entry(key.substring(0, slash) + "\t" + key.substring(slash + 1), new long[] {n.connects()}));
        });
        last = new Snapshot(services.update(frontendMembers), backends.update(backendMembers), System.nanoTime());
        return last;
    }
}
