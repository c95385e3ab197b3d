package dev.kpf.dataplane.source;

import java.time.Instant;
import java.util.Optional;

/**
 * How a source is doing: whether it has delivered a first complete state, how many states it published and when
 * the last one was, and the last error with its time (an API outage shows here while the last good state stays
 * published).
 */
public record SourceStatus(String description, boolean synced, long publishes, Optional<Instant> lastPublish,
                           Optional<String> lastError, Optional<Instant> lastErrorAt) {
    /** True when an error happened after the last successful publish. */
    public boolean degraded() {
        if (lastErrorAt.isEmpty()) return false;
        return lastPublish.isEmpty() || lastErrorAt.get().isAfter(lastPublish.get());
    }
}
