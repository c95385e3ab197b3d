package dev.kpf.dataplane.source;

import dev.kpf.dataplane.model.ClusterState;

import java.util.function.Consumer;

/**
 * Where Services, EndpointSlices and Nodes come from. A source publishes complete states: the first once it has
 * read everything, then one after each burst of changes (at most one per minimum interval) and periodically.
 * It never publishes a state it could not read completely; on errors it keeps the last good one and reports them
 * in {@link #status()}.
 */
public interface ClusterSource extends AutoCloseable {
    void start(Consumer<ClusterState> listener);

    /**
     * Begins reading the cluster before {@link #start}, so that what the caller prepares meanwhile (an agent loads
     * its BPF programs) overlaps with it; nothing is published before {@code start}. Optional: a source that reads
     * nothing ahead ignores it, and {@code start} alone does everything.
     */
    default void prefetch() {}

    SourceStatus status();

    @Override
    void close();
}
