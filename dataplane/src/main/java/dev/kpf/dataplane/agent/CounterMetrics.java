package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The socket programs' counters as Prometheus counters, read from the maps when scraped. Labels are bounded: one
 * series per Service port and protocol (frontends of the same port summed: ClusterIP, NodePort, ...) up to
 * {@link #MAX_SERVICES}, one per backend address and protocol up to {@link #MAX_BACKENDS}; the rest (in name order)
 * is summed into the value "(other)". Nothing per connection or per client.
 */
final class CounterMetrics {
    static final int MAX_SERVICES = 1000, MAX_BACKENDS = 2000;
    static final String OTHER = "(other)";

    private record Snapshot(Map<String, long[]> services, Map<String, Long> backends, long at) {}

    private final Supplier<Counters> counters;
    private final Supplier<LbTable> table;
    private Snapshot last;

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
                .callback(cb -> snapshot().backends().forEach((k, v) -> cb.call(v, k.split("\t"))))
                .register(registry);
    }

    /** One reading of the maps serves all three metrics of a scrape. */
    private synchronized Snapshot snapshot() {
        if (last != null && System.nanoTime() - last.at() < 1_000_000_000L) return last;
        Counters c = counters.get();
        LbTable t = table.get();
        Map<String, long[]> services = new TreeMap<>();
        if (t != null) {
            for (LbEntry e : t.entries().values()) {
                Counters.Count n = c.frontend(e.frontend());
                services.computeIfAbsent(e.servicePortName() + "\t" + e.frontend().protocol(), k -> new long[2]);
                long[] sum = services.get(e.servicePortName() + "\t" + e.frontend().protocol());
                sum[0] += n.connects();
                sum[1] += n.refused();
            }
        }
        Map<String, Long> backends = new TreeMap<>();
        c.backends().forEach((key, n) -> {
            int slash = key.lastIndexOf('/');
            backends.merge(key.substring(0, slash) + "\t" + key.substring(slash + 1), n.connects(), Long::sum);
        });
        last = new Snapshot(bounded(services, MAX_SERVICES, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}),
                bounded(backends, MAX_BACKENDS, Long::sum), System.nanoTime());
        return last;
    }

    /** The first {@code max} keys in name order keep their series; the others are summed per protocol under "(other)". */
    private static <V> Map<String, V> bounded(Map<String, V> sorted, int max, java.util.function.BinaryOperator<V> add) {
        if (sorted.size() <= max) return sorted;
        Map<String, V> out = new TreeMap<>();
        int i = 0;
        for (Map.Entry<String, V> e : sorted.entrySet()) {
            if (i++ < max) out.put(e.getKey(), e.getValue());
            else out.merge(OTHER + "\t" + e.getKey().substring(e.getKey().indexOf('\t') + 1), e.getValue(), add);
        }
        return out;
    }
}
