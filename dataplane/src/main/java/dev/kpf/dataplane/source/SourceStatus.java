package dev.kpf.dataplane.source;

import java.time.Instant;
import java.util.Optional;

/**
 * How a source is doing: whether it has delivered a first complete state, how many states it published and when
 * the last one was, and the last error with its time (an API outage shows here while the last good state stays
 * published); {@code bootstrapRisk}: why the source may not reach its API on a node without kube-proxy, and the fix
 * (an in-cluster client going through the kubernetes Service, {@link InClusterApi#unreachableHint}); {@code lastContact}:
 * the last time the source's server answered without publishing (a heartbeat), which ends an error as a publish does.
 */
public record SourceStatus(String description, boolean synced, long publishes, Optional<Instant> lastPublish,
                           Optional<String> lastError, Optional<Instant> lastErrorAt, Optional<String> bootstrapRisk,
                           Optional<Instant> lastContact) {
    /** A source without a bootstrap risk (a directory, a kubeconfig, the API server's own address). */
    public SourceStatus(String description, boolean synced, long publishes, Optional<Instant> lastPublish,
                        Optional<String> lastError, Optional<Instant> lastErrorAt) {
        this(description, synced, publishes, lastPublish, lastError, lastErrorAt, Optional.empty(), Optional.empty());
    }

    /** True when an error happened after the last successful publish or contact. */
    public boolean degraded() {
        if (lastErrorAt.isEmpty()) return false;
        Optional<Instant> good = lastContact.isPresent() && (lastPublish.isEmpty() || lastContact.get().isAfter(lastPublish.get())) ? lastContact : lastPublish;
        return good.isEmpty() || lastErrorAt.get().isAfter(good.get());
    }

    /** Since when the source has failed without a publish or contact in between (empty when it is not degraded). */
    public Optional<Instant> failingSince(Instant started) {
        if (!degraded()) return Optional.empty();
        Instant good = lastPublish.orElse(started);
        if (lastContact.isPresent() && lastContact.get().isAfter(good)) good = lastContact.get();
        return Optional.of(good);
    }
}
