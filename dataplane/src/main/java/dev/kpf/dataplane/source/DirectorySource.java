package dev.kpf.dataplane.source;

import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.Problem;

import java.io.IOException;
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
    /** What one file held at its size and modification time: its objects decoded (never its JSON) and its problems. */
    private record FileState(long size, long modified, List<DirectoryLoader.Located> objects, List<Problem> problems) {}

    private final Path path;
    private final Duration pollInterval;
    private final Clock clock;
    private final Map<Path, FileState> files = new HashMap<>();
    private Thread thread;
    /**
     * The first read of the directory, begun by {@link #prefetch} or {@link #start}; let go of once {@code start} has
     * it (it holds a whole state, which later reads replace).
     */
    private java.util.concurrent.FutureTask<ClusterState> first;
    private boolean firstTaken;
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

    /** Reads the directory on a thread of its own; {@link #start} publishes what it read (or reads it itself). */
    @Override
    public synchronized void prefetch() {
        if (first == null && !firstTaken && !closed) {
            first = new java.util.concurrent.FutureTask<>(() -> reload(true).orElseThrow());
            Thread.ofPlatform().daemon().name("kpf-directory-read").start(first);
        }
    }

    /** Whether the first read is done (begun by {@link #prefetch}, or by {@link #start}). */
    synchronized boolean firstReadDone() {
        return firstTaken || (first != null && first.isDone());
    }

    /** The first read's state, waited for; the task is let go of. */
    private ClusterState takeFirst() {
        java.util.concurrent.FutureTask<ClusterState> task;
        synchronized (this) {
            task = first;
            first = null;
            firstTaken = true;
        }
        if (task == null) return reload(true).orElseThrow();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + path, e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void start(Consumer<ClusterState> listener) {
        prefetch();
        ClusterState read = takeFirst();
        publish(listener, read);
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
            String name = DirectoryLoader.name(path, file);
            FileState old = files.get(file);
            try {
                long size = Files.size(file);
                long modified = Files.getLastModifiedTime(file).toMillis();
                if (old != null && old.size() == size && old.modified() == modified) {
                    next.put(file, old);
                    continue;
                }
                changed = true;
                List<Problem> read = new ArrayList<>();
                List<DirectoryLoader.Located> objects = DirectoryLoader.read(file, name, read);
                boolean malformed = read.stream().anyMatch(p -> p.message().startsWith("malformed"));
                if (malformed && old != null) {
                    List<Problem> problems = new ArrayList<>(read);
                    problems.add(new Problem("", name, "malformed since " + clock.instant() + ": keeping its last good objects"));
                    next.put(file, new FileState(size, modified, old.objects(), problems));
                    lastError = name + " is malformed";
                    lastErrorAt = clock.instant();
                } else {
                    next.put(file, new FileState(size, modified, objects, read));
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
        List<DirectoryLoader.Located> objects = new ArrayList<>();
        List<Problem> problems = new ArrayList<>(listing);
        current.forEach(f -> {
            FileState s = files.get(f);
            if (s != null) {
                objects.addAll(s.objects());
                problems.addAll(s.problems());
            }
        });
        return Optional.of(DirectoryLoader.assemble(objects, problems));
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
