package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fake API server's storage: objects per resource, a global resource version, and a bounded history of
 * changes for watches. A watch from a version older than the history reaches gets 410 Gone, as from etcd after
 * compaction; {@link #compact()} forces that.
 */
public final class ObjectStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<ResourceType, TreeMap<String, JsonObject>> objects = new HashMap<>();
    /**
     * Stored objects' JSON as lists write it, made on the first list that holds the object and dropped when it
     * changes or goes. Each page written afresh cost this server 45-90 ms per 500 endpoint slices (1 MB, by hand with
     * curl), on the cores it shares with the agent a bench measures; a real API server does that work on machines of
     * its own (kube-apiserver serializes a list from its watch cache per request, and a watch event once for all its
     * watchers).
     */
    private final Map<JsonObject, String> texts = new java.util.IdentityHashMap<>();
    private final Deque<WatchEvent> history = new ArrayDeque<>();
    private final int historyLimit;
    private final Clock clock;
    private long resourceVersion = 1000;
    /** Versions at or below this are no longer in the history. */
    private long compactedAt = 1000;

    public ObjectStore(int historyLimit, Clock clock) {
        this.historyLimit = historyLimit;
        this.clock = clock;
        for (ResourceType r : ResourceType.ALL) objects.put(r, new TreeMap<>());
    }

    static String key(JsonObject o) {
        JsonObject meta = o.getAsJsonObject("metadata");
        String ns = meta.has("namespace") ? meta.get("namespace").getAsString() : "";
        return ns + "/" + meta.get("name").getAsString();
    }

    /** Creates or replaces an object (its apiVersion and kind pick the resource); returns the stored copy. */
    public JsonObject put(JsonObject object) {
        String apiVersion = object.get("apiVersion").getAsString();
        String kind = object.get("kind").getAsString();
        ResourceType r = ResourceType.byKind(apiVersion, kind)
                .orElseThrow(() -> new IllegalArgumentException("the fake API server does not serve " + apiVersion + " " + kind));
        JsonObject o = object.deepCopy();
        JsonObject meta = o.has("metadata") && o.get("metadata").isJsonObject() ? o.getAsJsonObject("metadata") : new JsonObject();
        o.add("metadata", meta);
        if (!meta.has("name")) throw new IllegalArgumentException(kind + " without metadata.name");
        if (r.namespaced() && !meta.has("namespace")) meta.addProperty("namespace", "default");
        if (!r.namespaced()) meta.remove("namespace");
        lock.lock();
        try {
            JsonObject old = objects.get(r).get(key(o));
            meta.addProperty("uid", old != null ? old.getAsJsonObject("metadata").get("uid").getAsString() : UUID.randomUUID().toString());
            if (!meta.has("creationTimestamp")) {
                meta.addProperty("creationTimestamp", old != null && old.getAsJsonObject("metadata").has("creationTimestamp")
                        ? old.getAsJsonObject("metadata").get("creationTimestamp").getAsString()
                        : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
            }
            meta.addProperty("resourceVersion", Long.toString(++resourceVersion));
            objects.get(r).put(key(o), o);
            if (old != null) texts.remove(old);
            record(new WatchEvent(old == null ? "ADDED" : "MODIFIED", r, o, resourceVersion));
            return o;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes an object; false if it did not exist. */
    public boolean delete(ResourceType r, String namespace, String name) {
        lock.lock();
        try {
            JsonObject old = objects.get(r).remove((r.namespaced() ? namespace : "") + "/" + name);
            if (old == null) return false;
            texts.remove(old);
            JsonObject gone = old.deepCopy();
            gone.getAsJsonObject("metadata").addProperty("resourceVersion", Long.toString(++resourceVersion));
            record(new WatchEvent("DELETED", r, gone, resourceVersion));
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void record(WatchEvent e) {
        history.addLast(e);
        while (history.size() > historyLimit) compactedAt = history.removeFirst().resourceVersion();
        changed.signalAll();
    }

    /** Drops the whole history: every watch from an older version now gets 410 Gone. */
    public void compact() {
        lock.lock();
        try {
            history.clear();
            compactedAt = resourceVersion;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long resourceVersion() {
        lock.lock();
        try {
            return resourceVersion;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consistent snapshot of one resource (in one namespace, or all when namespace is null), sorted by key. The
     * items are the stored objects themselves: change a copy and {@link #put} it (lists serve the JSON kept of each).
     */
    public Snapshot list(ResourceType r, String namespace) {
        lock.lock();
        try {
            List<JsonObject> items = new ArrayList<>();
            for (Map.Entry<String, JsonObject> e : objects.get(r).entrySet()) {
                if (namespace == null || e.getKey().startsWith(namespace + "/")) items.add(e.getValue());
            }
            return new Snapshot(items, resourceVersion);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A listed object's JSON as {@code write} makes it, made once while the object stays as it is ({@link #texts});
     * an object no longer stored is written each time.
     */
    public String text(ResourceType r, JsonObject o, java.util.function.Function<JsonObject, String> write) {
        lock.lock();
        try {
            String t = texts.get(o);
            if (t != null) return t;
        } finally {
            lock.unlock();
        }
        String t = write.apply(o);
        lock.lock();
        try {
            if (objects.get(r).get(key(o)) == o) texts.put(o, t);
        } finally {
            lock.unlock();
        }
        return t;
    }

    /** The stored object itself (see {@link #list}: change a copy). */
    public Optional<JsonObject> get(ResourceType r, String namespace, String name) {
        lock.lock();
        try {
            return Optional.ofNullable(objects.get(r).get((r.namespaced() ? namespace : "") + "/" + name));
        } finally {
            lock.unlock();
        }
    }

    public record Snapshot(List<JsonObject> items, long resourceVersion) {}

    /**
     * Events of {@code r} after {@code since}, waiting up to {@code waitMillis} for one; empty when {@code since}
     * is older than the history (the caller answers 410 Gone).
     */
    public Optional<List<WatchEvent>> eventsAfter(ResourceType r, long since, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (true) {
                if (since < compactedAt) return Optional.empty();
                List<WatchEvent> out = new ArrayList<>();
                for (WatchEvent e : history) {
                    if (e.resourceVersion() > since && e.resource().equals(r)) out.add(e);
                }
                if (!out.isEmpty()) return Optional.of(out);
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.of(List.of());
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code version} has been compacted away (lists continued from it and watches from it get 410). */
    public boolean expired(long version) {
        lock.lock();
        try {
            return version < compactedAt;
        } finally {
            lock.unlock();
        }
    }
}
