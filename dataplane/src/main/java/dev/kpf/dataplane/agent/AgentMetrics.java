package dev.kpf.dataplane.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The agent's Prometheus metrics, named after kube-proxy's where they mean the same thing, prefixed kpf_. One
 * registry per agent (no global state).
 */
public final class AgentMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** kube-proxy's sync buckets: 1 ms doubling to 16 s (metrics.ExponentialBuckets(0.001, 2, 15)). */
    private static final double[] SYNC_BUCKETS = java.util.stream.IntStream.range(0, 15).mapToDouble(i -> 0.001 * Math.pow(2, i)).toArray();
    /** kube-proxy's network programming buckets: 0.25 s to 5 min. */
    private static final double[] PROGRAMMING_BUCKETS = java.util.stream.DoubleStream.concat(java.util.stream.DoubleStream.concat(
            java.util.stream.DoubleStream.of(0.25, 0.5), java.util.stream.IntStream.rangeClosed(1, 59).asDoubleStream()),
            java.util.stream.DoubleStream.concat(java.util.stream.IntStream.range(0, 12).mapToDouble(i -> 60 + 5 * i),
                    java.util.stream.IntStream.range(0, 7).mapToDouble(i -> 120 + 30 * i))).toArray();

    final Histogram syncDuration = Histogram.builder().name("kpf_sync_proxy_rules_duration_seconds")
            .help("Time one sync took: translation and map writes").classicUpperBounds(SYNC_BUCKETS).register(registry);
    final Histogram syncFullDuration = Histogram.builder().name("kpf_sync_full_proxy_rules_duration_seconds")
            .help("Time one full sync took (the whole table written, or re-read from the maps and repaired)").classicUpperBounds(SYNC_BUCKETS).register(registry);
    final Histogram syncPartialDuration = Histogram.builder().name("kpf_sync_partial_proxy_rules_duration_seconds")
            .help("Time one partial sync took (only what changed written)").classicUpperBounds(SYNC_BUCKETS).register(registry);
    final Histogram programmingDuration = Histogram.builder().name("kpf_network_programming_duration_seconds")
            .help("Time from an EndpointSlice change (its endpoints.kubernetes.io/last-change-trigger-time) to its programming in the maps").classicUpperBounds(PROGRAMMING_BUCKETS)
            .register(registry);
    final Gauge lastSync = Gauge.builder().name("kpf_sync_proxy_rules_last_timestamp_seconds")
            .help("When the last successful sync finished (Unix time)").register(registry);
    final Gauge lastQueued = Gauge.builder().name("kpf_sync_proxy_rules_last_queued_timestamp_seconds")
            .help("When the oldest change not yet programmed arrived (Unix time)").register(registry);
    final Counter endpointChanges = Counter.builder().name("kpf_sync_proxy_rules_endpoint_changes_total")
            .help("EndpointSlices added, changed or deleted, as the agent received them").register(registry);
    final Gauge endpointChangesPending = Gauge.builder().name("kpf_sync_proxy_rules_endpoint_changes_pending")
            .help("EndpointSlice changes received and not yet programmed").register(registry);
    final Counter serviceChanges = Counter.builder().name("kpf_sync_proxy_rules_service_changes_total")
            .help("Services added, changed or deleted, as the agent received them").register(registry);
    final Gauge serviceChangesPending = Gauge.builder().name("kpf_sync_proxy_rules_service_changes_pending")
            .help("Service changes received and not yet programmed").register(registry);
    final Gauge services = Gauge.builder().name("kpf_services").help("Frontends programmed").register(registry);
    final Gauge backends = Gauge.builder().name("kpf_backends").help("Distinct backends programmed").register(registry);
    final Gauge mapEntries = Gauge.builder().name("kpf_map_entries").help("Entries in each BPF map kpf writes").labelNames("map").register(registry);
    final Gauge mapCapacity = Gauge.builder().name("kpf_map_capacity").help("Capacity (max entries) of each BPF map").labelNames("map").register(registry);
    final Counter syncErrors = Counter.builder().name("kpf_sync_errors_total").help("Sync errors by reason").labelNames("reason").register(registry);

    final Gauge conntrackEntries = Gauge.builder().name("kpf_conntrack_entries")
            .help("Entries in the tc datapath's conntrack map after the last sweep (two per flow)").register(registry);
    final Counter conntrackSwept = Counter.builder().name("kpf_conntrack_swept_entries_total")
            .help("Conntrack entries the sweep deleted: flows that ended, and UDP flows to backends that left").register(registry);
    final Counter sweepCpu = Counter.builder().name("kpf_conntrack_sweep_cpu_seconds_total")
            .help("CPU time the conntrack sweeps took").register(registry);

    public AgentMetrics() {
        // the JVM's and the process's own metrics (memory, GC, threads, CPU, open files), and what is running: those of
        // JvmMetrics but its native memory metrics, which report nothing unless NMT runs (the DaemonSet's JVM has it
        // off) and which load the platform MBean server and its diagnostic commands (by hand, an agent at 10,000 x 10
        // from the API server: metaspace used 23.7 -> 22.5 MB with them left out)
        io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.ProcessMetrics.builder().register(registry);
        Gauge.builder().name("kpf_build_info").help("kpf's version and the Java runtime it runs on (always 1)")
                .labelNames("version", "java_version").register(registry)
                .labelValues(java.util.Objects.requireNonNullElse(AgentMetrics.class.getPackage().getImplementationVersion(), "dev"),
                        System.getProperty("java.version")).set(1);
    }

    /** Exports the tc programs' event counters (read when scraped): drops for a full conntrack map or exhausted SNAT ports, and more. */
    public void exportTcEvents(java.util.function.Supplier<java.util.Map<dev.kpf.dataplane.bpf.TcEvent, Long>> events) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("kpf_tc_events_total")
                .help("What the tc datapath counted: " + java.util.Arrays.stream(dev.kpf.dataplane.bpf.TcEvent.values())
                        .map(e -> e.metric() + " (" + e.help() + ")").collect(java.util.stream.Collectors.joining("; ")))
                .labelNames("event")
                .callback(cb -> {
                    try {
                        events.get().forEach((e, n) -> cb.call(n, e.metric()));
                    } catch (RuntimeException e) {
                        // the maps went away (cleanup): nothing to report this scrape
                    }
                })
                .register(registry);
    }

    /** Exports the socket programs' counters (read when scraped), named by the table's Service ports. */
    public void exportCounters(java.util.function.Supplier<dev.kpf.dataplane.bpf.Counters> counters,
                               java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> table) {
        new CounterMetrics(registry, counters, table);
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
