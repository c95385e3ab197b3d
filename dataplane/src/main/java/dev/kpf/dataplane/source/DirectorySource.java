package dev.kpf.dataplane.source;

import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.Problem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A directory of YAML/JSON objects as a source: read at start, then checked every {@code pollInterval} (file
 * names, sizes and modification times) and re-read when anything changed. A file that turns malformed keeps its
 * last good objects (and the problem is reported), so a half-saved edit never removes services.
 */
public final class DirectorySource implements ClusterSource {
    private record FileState(long size, long modified, List<SourceDocument> documents, List<Problem> problems) {}

    private final Path path;
    private final Duration pollInterval;
    private final Clock clock;
    private final Map<Path, FileState> files = new HashMap<>();
    private Thread thread;
    private volatile boolean closed;
    private volatile boolean synced;
    private volatile long publishes;
    private volatile Instant lastPublish;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    public DirectorySource(Path path, Duration pollInterval, Clock clock) {
        this.path = path;
        this.pollInterval = pollInterval;
        this.clock = clock;
    }

    @Override
    public void start(Consumer<ClusterState> listener) {
        ClusterState first = reload(true).orElseThrow();
        publish(listener, first);
        synced = true;
        thread = Thread.ofPlatform().daemon().name("kpf-directory-source").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(pollInterval.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) reload(false).ifPresent(s -> publish(listener, s));
            }
        });
    }

    private void publish(Consumer<ClusterState> listener, ClusterState state) {
        listener.accept(state);
        publishes++;
        lastPublish = clock.instant();
    }

    /** Re-reads changed files; the new state, or empty when nothing changed. */
    synchronized Optional<ClusterState> reload(boolean force) {
        List<Problem> listing = new ArrayList<>();
        List<Path> current = DirectoryLoader.files(path, listing);
        boolean changed = force || !current.equals(new ArrayList<>(files.keySet()).stream().sorted().toList());
        Map<Path, FileState> next = new HashMap<>();
        for (Path file : current) {
            String name = path.equals(file) ? file.getFileName().toString() : path.relativize(file).toString();
            FileState old = files.get(file);
            try {
                long size = Files.size(file);
                long modified = Files.getLastModifiedTime(file).toMillis();
                if (old != null && old.size() == size && old.modified() == modified) {
                    next.put(file, old);
                    continue;
                }
                changed = true;
                YamlDocuments.Parsed parsed = YamlDocuments.parse(Files.readString(file, StandardCharsets.UTF_8), name);
                boolean malformed = parsed.problems().stream().anyMatch(p -> p.message().startsWith("malformed"));
                if (malformed && old != null) {
                    List<Problem> problems = new ArrayList<>(parsed.problems());
                    problems.add(new Problem("", name, "malformed since " + clock.instant() + ": keeping its last good objects"));
                    next.put(file, new FileState(size, modified, old.documents(), problems));
                    lastError = name + " is malformed";
                    lastErrorAt = clock.instant();
                } else {
                    next.put(file, new FileState(size, modified, parsed.documents(), parsed.problems()));
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                changed = true;
                if (old != null) next.put(file, old);
                listing.add(new Problem("", name, "unreadable (" + e.getMessage() + "): keeping its last good objects"));
                lastError = name + " unreadable";
                lastErrorAt = clock.instant();
            }
        }
        if (!changed) return Optional.empty();
        files.clear();
        files.putAll(next);
        List<SourceDocument> docs = new ArrayList<>();
        List<Problem> problems = new ArrayList<>(listing);
        current.forEach(f -> {
            FileState s = files.get(f);
            if (s != null) {
                docs.addAll(s.documents());
                problems.addAll(s.problems());
            }
        });
        return Optional.of(DirectoryLoader.decode(docs, problems));
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus("dir:" + path, synced, publishes, Optional.ofNullable(lastPublish),
                Optional.ofNullable(lastError), Optional.ofNullable(lastErrorAt));
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
