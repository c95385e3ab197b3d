package dev.kpf.dataplane.source;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;

import java.util.List;
import java.util.function.Consumer;

/**
 * An informer's cache that tells {@link KubeSource} each object it takes in or lets go. Keyed as the client's default
 * cache (namespace/name) but without its namespace index: kpf never looks objects up by namespace, and the index held
 * a set of keys per namespace (1.9 MB at 10,000 x 10).
 *
 * <p>Changes are taken here, where the informer applies every one, and not from event handlers: the client hands
 * handlers the changes a relist finds (after a watch error or 410 Gone) as resyncs, and delivers those only to
 * handlers it counted as due at its last resync check (all of them before the first check; after it, whether a handler
 * whose period equals the check's is counted depends on a few milliseconds' timing). Typed for any
 * {@code KubernetesObject}, as the default cache is: for an object a relist no longer lists, the informer hands the
 * cache the FIFO's deletion marker, and a key function typed for {@link RawObject} threw on it (the deletion was lost
 * and the object stayed cached and published until a restart).
 */
final class InformerCache extends Cache<KubernetesObject> {
    /** Called after the cache changed, on the informer's thread: a new version of an object, or its deletion. */
    interface Changes {
        void changed(RawObject object, boolean deleted);
    }

    private final Changes changes;
    private final Consumer<RuntimeException> failed;

    private InformerCache(Changes changes, Consumer<RuntimeException> failed) {
        super("none", o -> List.of(), Caches::deletionHandlingMetaNamespaceKeyFunc);
        this.changes = changes;
        this.failed = failed;
    }

    /**
     * A cache for an informer of {@link RawObject}s (the informer's type; the cache itself takes whatever it is given).
     * What fails in it goes to {@code failed} before it is thrown: the client's process loop logs it at a level kpf
     * shows only when debugging, and goes on with the next change.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Cache<RawObject> create(Changes changes, Consumer<RuntimeException> failed) {
        return (Cache) new InformerCache(changes, failed);
    }

    @Override
    public void add(KubernetesObject obj) {
        reported(() -> {
            super.add(obj);
            if (obj instanceof RawObject r) changes.changed(r, false);
        });
    }

    @Override
    public void update(KubernetesObject obj) {
        reported(() -> {
            KubernetesObject before = get(obj);
            super.update(obj);
            // the informer's periodic resync hands back the very instance cached: nothing changed
            if (obj != before && obj instanceof RawObject r) changes.changed(r, false);
        });
    }

    @Override
    public void delete(KubernetesObject obj) {
        reported(() -> {
            // obj may be the FIFO's marker for an object a relist no longer lists: report what was cached
            KubernetesObject cached = getByKey(getKeyFunc().apply(obj));
            super.delete(obj);
            if (cached instanceof RawObject r) changes.changed(r, true);
        });
    }

    private void reported(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failed.accept(e);
            throw e;
        }
    }
}
