package dev.kpf.dataplane.source;

import java.time.Instant;
import java.util.Optional;

/**
 * How a source is doing: whether it has delivered a first complete state, how many states it published and when
 * the last one was, and the last error with its time (an API outage shows here while the last good state stays
 * published); {@code bootstrapRisk}: why the source may not reach its API on a node without kube-proxy, and the fix
 * (an in-cluster client going through the kubernetes Service, {@link InClusterApi#unreachableHint}).
 */
public record SourceStatus(String description, boolean synced, long publishes, Optional<Instant> lastPublish,
                           Optional<String> lastError, Optional<Instant> lastErrorAt, Optional<String> bootstrapRisk) {
    /** A source without a bootstrap risk (a directory, a kubeconfig, the API server's own address). */
    public SourceStatus(String description, boolean synced, long publishes, Optional<Instant> lastPublish,
                        Optional<String> lastError, Optional<Instant> lastErrorAt) {
        this(description, synced, publishes, lastPublish, lastError, lastErrorAt, Optional.empty());
    }

    /** True when an error happened after the last successful publish. */
    public boolean degraded() {
        if (lastErrorAt.isEmpty()) return false;
        return lastPublish.isEmpty() || lastErrorAt.get().isAfter(lastPublish.get());
    }
}
