package dev.kpf.dataplane.source;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Service;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Services, EndpointSlices and Nodes from the API server through the official client's informers (which relist on
 * 410 Gone and re-watch when a watch drops). Their caches only record changes ({@link InformerCache}); a runner
 * publishes a new state after the informers have all synced once, at most once per {@code minInterval} (bursts
 * coalesce), and at least once per {@code resyncPeriod}. List or watch errors are kept in the status; the last state
 * stays published.
 */
public final class KubeSource implements ClusterSource {
    private static final Logger LOG = LoggerFactory.getLogger(KubeSource.class);

    private record Kind(String group, String version, String plural) {}

    /**
     * What this source asks of the API server, as resource (plural.group) to verbs: its informers list and watch,
     * nothing else. The RBAC in deploy/ grants exactly this (a test checks).
     */
    public static final Map<String, java.util.Set<String>> ACCESS = Map.of(
            "services", java.util.Set.of("list", "watch"),
            "endpointslices.discovery.k8s.io", java.util.Set.of("list", "watch"),
            "nodes", java.util.Set.of("list", "watch"));

    private static final List<Kind> KINDS = List.of(new Kind("", "v1", "services"),
            new Kind("discovery.k8s.io", "v1", "endpointslices"), new Kind("", "v1", "nodes"));

    private final ApiClient client;
    private final String description;
    private final Duration minInterval;
    private final Duration resyncPeriod;
    private final Clock clock;

    /** Changes recorded by the handlers since the last publish; {@link #DELETED} marks a delete. */
    private final Map<ObjectRef, RawObject> pending = new ConcurrentHashMap<>();
    private static final RawObject DELETED = new RawObject(new JsonObject());
    /** Decoded objects by key, owned by whoever holds this source's monitor (the runner, or a caller of snapshot). */
    private final Map<ObjectRef, DecodedObject> decoded = new java.util.HashMap<>();
    /** The port names of every object decoded, one instance per text (decoded under this source's lock, in {@link #snapshot}). */
    private final dev.kpf.dataplane.load.SharedStrings portNames = new dev.kpf.dataplane.load.SharedStrings(dev.kpf.dataplane.load.ObjectDecoder.PORT_NAMES);
    private long lastFullRead;
    private final Map<ObjectRef, Service> services = new java.util.HashMap<>();
    private final Map<ObjectRef, EndpointSlice> slices = new java.util.HashMap<>();
    private final Map<String, Node> nodes = new java.util.HashMap<>();
    private Map<ObjectRef, Service> servicesView;
    private Map<ObjectRef, EndpointSlice> slicesView;
    private Map<String, Node> nodesView;
    private List<Problem> problemsView;
    private final Map<String, String> lastErrorByResource = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<RawObject>> informers = new ArrayList<>();
    /** Held while the informers are started or stopped. */
    private final Object lifecycle = new Object();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean dirty;
    private volatile boolean closed;
    private Thread runner;

    private volatile boolean synced;
    private volatile long publishes;
    private volatile Instant lastPublish;
    private volatile String lastError;
    private volatile String unreachableHint;
    /** The last time the API server answered: a publish, or a heartbeat. */
    private volatile Instant lastContact;
    private volatile Duration heartbeat = Duration.ofSeconds(10);
    private Thread heartbeatThread;
    private volatile Instant lastErrorAt;
    private volatile long lastSnapshotNanos;
    private volatile long lastListenerNanos;

    /** How long the last publish took to assemble the state, and how long the listener took with it. */
    public Duration[] lastPublishTimes() {
        return new Duration[] {Duration.ofNanos(lastSnapshotNanos), Duration.ofNanos(lastListenerNanos)};
    }

    public KubeSource(ApiClient client, String description, Duration minInterval, Duration resyncPeriod, Clock clock) {
        this.client = client;
        this.description = description;
        this.minInterval = minInterval;
        this.resyncPeriod = resyncPeriod;
        this.clock = clock;
    }

    /**
     * Starts the informers and the heartbeat (their lists and watches fill the caches); the first publish waits for
     * {@link #start}. Under {@link #lifecycle}, as {@link #close} stops them: none starts after it.
     */
    @Override
    public void prefetch() {
        synchronized (lifecycle) {
            startInformers();
        }
    }

    private void startInformers() {
        if (!informers.isEmpty() || closed) return;
        RawJson.ensureRegistered();
        for (Kind k : KINDS) {
            SharedIndexInformer<RawObject> informer = new DefaultSharedIndexInformer<>(RawObject.class,
                    new PagedListerWatcher(client, k.group(), k.version(), k.plural()),
                    resyncPeriod.toMillis(), InformerCache.create(this::changed, e -> onCacheError(k.plural(), e)),
                    (type, error) -> onError(k.plural(), error));
            informers.add(informer);
        }
        // each informer starts its own threads (controller, reflector, resync, processor) and stop() ends them
        informers.forEach(SharedIndexInformer::run);
        heartbeatThread = Thread.ofPlatform().daemon().name("kpf-kube-heartbeat").start(this::heartbeats);
    }

    @Override
    public void start(Consumer<ClusterState> listener) {
        prefetch();
        runner = Thread.ofPlatform().daemon().name("kpf-kube-source").start(() -> run(listener));
    }

    /** How often the API server is asked whether it still answers (default 10 s); set before {@link #prefetch} or {@link #start}. */
    public KubeSource withHeartbeat(Duration every) {
        this.heartbeat = every;
        return this;
    }

    /**
     * Asks the API server for its version every {@link #heartbeat}, each call bounded to 5 s. The informers alone can
     * miss an outage (measured: with the fake API server stopped they reported no error for 40 s; their watches have
     * no read timeout). A failure is an error like the informers'; an answer counts as contact, so a quiet cluster is
     * not degraded after recovery.
     */
    private void heartbeats() {
        io.kubernetes.client.openapi.apis.VersionApi version = new io.kubernetes.client.openapi.apis.VersionApi(client);
        // the first at once: a server that accepts connections and never answers shows within 5 s, not only
        // when the informers' lists (which have no read timeout) would have ended
        while (!closed) {
            try {
                okhttp3.Call call = version.getCode().buildCall(null);
                call.timeout().timeout(HEARTBEAT_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                try (okhttp3.Response r = call.execute()) {
                    // any answer but a server error is contact (an API server that refuses /version to this user, 403, is alive)
                    if (r.code() >= 500) throw new io.kubernetes.client.openapi.ApiException(r.code(), "GET /version: HTTP " + r.code());
                }
                lastContact = clock.instant();
            } catch (java.io.InterruptedIOException e) {
                if (!closed) onError("version", new java.io.IOException("no answer within " + HEARTBEAT_TIMEOUT.toSeconds()
                        + " s (it accepted the connection; is it an API server?)", e));
            } catch (io.kubernetes.client.openapi.ApiException | java.io.IOException | RuntimeException e) {
                if (!closed) onError("version", e instanceof java.io.IOException io ? new io.kubernetes.client.openapi.ApiException(io) : e);
            }
            try {
                Thread.sleep(heartbeat);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** How long one heartbeat waits for the API server's answer. */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The informers' caches record which object changed (the latest version, or a delete) and wake the runner;
     * decoding and assembling happen on the runner when it publishes.
     */
    private void changed(RawObject obj, boolean deleted) {
        pending.put(obj.key(), deleted ? DELETED : obj);
        markDirty();
    }

    private void markDirty() {
        lock.lock();
        try {
            dirty = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Added to errors that never reached the server (no HTTP status): what is likely wrong and the setting that mends
     * it, e.g. {@link InClusterApi#unreachableHint}. Set before {@link #prefetch} or {@link #start}.
     */
    public KubeSource withUnreachableHint(java.util.Optional<String> hint) {
        this.unreachableHint = hint.orElse(null);
        return this;
    }

    /** Errors go to the status only, not to the log: for one-shot reads, which report the first error themselves. */
    public KubeSource withoutErrorLogs() {
        this.errorLogs = false;
        return this;
    }

    private volatile boolean errorLogs = true;

    private void onError(String resource, Throwable error) {
        boolean unreached = !(error instanceof io.kubernetes.client.openapi.ApiException a) || a.getCode() == 0;
        String message = "list/watch " + resource + ": " + describe(error) + (unreached && unreachableHint != null ? "; " + unreachableHint : "");
        boolean repeated = message.equals(lastErrorByResource.put(resource, message));
        lastError = message;
        lastErrorAt = clock.instant();
        // the informer retries on its own; say it once per distinct error, not on every retry
        if (repeated || !errorLogs) LOG.atDebug().setMessage("list/watch failed again").addKeyValue("resource", resource).addKeyValue("error", message).log();
        else LOG.atWarn().setMessage("list/watch failed; the last published state stays and the informer retries")
                .addKeyValue("resource", resource).addKeyValue("error", message).log();
    }

    /**
     * A change the informer's cache failed on (not a list/watch error: no hint about reaching the API server). The
     * change may be missing from the published state; a restart lists everything again.
     */
    private void onCacheError(String resource, RuntimeException error) {
        String message = "informer cache of " + resource + " failed on a change, which may be missing until a restart: " + describe(error);
        boolean repeated = message.equals(lastErrorByResource.put(resource + " cache", message));
        lastError = message;
        lastErrorAt = clock.instant();
        if (!repeated && errorLogs) LOG.atError().setMessage("informer cache failed").addKeyValue("resource", resource).addKeyValue("error", message).log();
    }

    private static String describe(Throwable t) {
        // code 0: no HTTP answer at all; the cause says why (refused, reset, a TLS failure)
        if (t instanceof io.kubernetes.client.openapi.ApiException a && a.getCode() == 0 && a.getCause() != null) return describe(a.getCause());
        if (t instanceof io.kubernetes.client.openapi.ApiException a) {
            return "HTTP " + a.getCode() + (a.getResponseBody() == null ? "" : " " + RawJson.statusMessage(a.getResponseBody()));
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private void run(Consumer<ClusterState> listener) {
        try {
            while (!closed && !informers.stream().allMatch(SharedIndexInformer::hasSynced)) Thread.sleep(20);
            synced = true;
            // hasSynced turns true as the last listed item is handed to the cache, not after: one interval later
            // the first state is complete
            long lastNanos = System.nanoTime();
            while (!closed) {
                lock.lock();
                try {
                    long deadline = System.nanoTime() + resyncPeriod.toNanos();
                    while (!dirty && !closed && publishes > 0) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) break;
                        wake.awaitNanos(left);
                    }
                    dirty = false;
                } finally {
                    lock.unlock();
                }
                if (closed) return;
                long wait = lastNanos + minInterval.toNanos() - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait); // coalesce a burst into one publish
                lock.lock();
                try {
                    dirty = false;
                } finally {
                    lock.unlock();
                }
                long t0 = System.nanoTime();
                ClusterState state = snapshot();
                long t1 = System.nanoTime();
                listener.accept(state);
                lastNanos = System.nanoTime();
                lastSnapshotNanos = t1 - t0;
                lastListenerNanos = lastNanos - t1;
                publishes++;
                lastPublish = clock.instant();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("kube source stopped publishing", e);
            lastError = "publisher failed: " + e;
            lastErrorAt = clock.instant();
        }
    }

    /**
     * The current state. Changes the handlers recorded are decoded and applied; once per resync period (and the
     * first time) everything is read again from the informers' caches, which repairs anything missed.
     */
    public synchronized ClusterState snapshot() {
        boolean full = lastFullRead == 0 || System.nanoTime() - lastFullRead > resyncPeriod.toNanos();
        if (full) {
            pending.clear();
            Map<ObjectRef, DecodedObject> fresh = new java.util.HashMap<>(decoded.size() * 2 + 16);
            for (SharedIndexInformer<RawObject> informer : informers) {
                for (RawObject obj : informer.getIndexer().list()) {
                    ObjectRef key = obj.key();
                    fresh.put(key, DecodedObject.of(obj, decoded.get(key), portNames));
                }
            }
            for (ObjectRef key : List.copyOf(decoded.keySet())) if (!fresh.containsKey(key)) apply(key, null);
            fresh.forEach(this::apply);
            lastFullRead = System.nanoTime();
        } else {
            for (ObjectRef key : List.copyOf(pending.keySet())) {
                RawObject obj = pending.remove(key);
                if (obj == null) continue;
                apply(key, obj == DELETED ? null : DecodedObject.of(obj, decoded.get(key), portNames));
            }
        }
        // a kind that did not change keeps its map instance, so consumers can skip it at once
        if (servicesView == null) servicesView = Map.copyOf(services);
        if (slicesView == null) slicesView = Map.copyOf(slices);
        if (nodesView == null) nodesView = Map.copyOf(nodes);
        if (problemsView == null) {
            List<Problem> all = new ArrayList<>();
            decoded.values().forEach(d -> all.addAll(d.problems()));
            problemsView = List.copyOf(all);
        }
        return new ClusterState(servicesView, slicesView, nodesView, problemsView);
    }

    /** Puts (or with null, removes) one decoded object into the typed maps, invalidating the views it touches. */
    private void apply(ObjectRef key, DecodedObject next) {
        DecodedObject previous = next == null ? decoded.remove(key) : decoded.put(key, next);
        if (previous == next) return;
        if (previous != null) remove(previous.value());
        if (next != null) add(key, next.value());
        if ((previous != null && !previous.problems().isEmpty()) || (next != null && !next.problems().isEmpty())) problemsView = null;
    }

    private void remove(ObjectDecoder.Decoded value) {
        switch (value) {
            case ObjectDecoder.Decoded.AService x -> { services.remove(x.service().ref()); servicesView = null; }
            case ObjectDecoder.Decoded.ASlice x -> { slices.remove(x.slice().ref()); slicesView = null; }
            case ObjectDecoder.Decoded.ANode x -> { nodes.remove(x.node().name()); nodesView = null; }
            default -> { }
        }
    }

    /** {@code key} equals the model's ref (kind, namespace, name) and is kept as the map's key: one instance, not two. */
    private void add(ObjectRef key, ObjectDecoder.Decoded value) {
        switch (value) {
            case ObjectDecoder.Decoded.AService x -> { services.put(key.equals(x.service().ref()) ? key : x.service().ref(), x.service()); servicesView = null; }
            case ObjectDecoder.Decoded.ASlice x -> { slices.put(key.equals(x.slice().ref()) ? key : x.slice().ref(), x.slice()); slicesView = null; }
            case ObjectDecoder.Decoded.ANode x -> { nodes.put(x.node().name(), x.node()); nodesView = null; }
            default -> { }
        }
    }

    /**
     * How many objects in the informers' caches still hold their JSON text: none once every version there is decoded
     * (the decoded model is what stays in memory; the text of the memory bench's 10,000 x 10 is 24.7 MB).
     */
    public int undecodedTexts() {
        int n = 0;
        for (SharedIndexInformer<RawObject> informer : informers) {
            for (RawObject obj : informer.getIndexer().list()) if (obj.holdsText()) n++;
        }
        return n;
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus(description, synced, publishes, Optional.ofNullable(lastPublish),
                Optional.ofNullable(lastError), Optional.ofNullable(lastErrorAt), Optional.ofNullable(unreachableHint), Optional.ofNullable(lastContact));
    }

    @Override
    public void close() {
        closed = true;
        markDirty();
        // under the lock prefetch starts them with (not this source's monitor, which a full snapshot holds)
        synchronized (lifecycle) {
            informers.forEach(SharedIndexInformer::stop);
            if (heartbeatThread != null) heartbeatThread.interrupt();
        }
        if (runner != null) {
            runner.interrupt();
            try {
                runner.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
