package dev.kpf.dataplane.source;

import com.google.gson.JsonParser;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.informer.cache.DeltaFIFO;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The informers' cache keys objects as the client's default cache does (namespace/name; name for cluster-scoped
 * objects), replaces and deletes by that key, keeps no namespace index, and reports each change it takes in.
 */
class InformerCacheTest {
    private final List<String> reported = new ArrayList<>();
    private final List<RuntimeException> failures = new ArrayList<>();
    private final Cache<RawObject> cache = InformerCache.create((o, deleted) -> reported.add((deleted ? "deleted " : "") + o.key() + "@" + o.resourceVersion()),
            failures::add);
    /** The cache as the informer uses it: through the erased types, whatever its FIFO queued. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private final Cache<KubernetesObject> erased = (Cache) cache;

    private static RawObject object(String kind, String ns, String name, String rv) {
        String meta = "\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"" + (ns == null ? "" : ",\"namespace\":\"" + ns + "\"");
        return new RawObject(JsonParser.parseString("{\"kind\":\"" + kind + "\",\"metadata\":{" + meta + "}}").getAsJsonObject());
    }

    @Test
    void objects_are_kept_by_the_default_key_and_not_indexed_by_namespace() {
        RawObject web = object("Service", "shop", "web", "1"), node = object("Node", null, "node-a", "2");
        cache.add(web);
        cache.add(node);
        assertSame(web, cache.getByKey("shop/web"));
        assertSame(node, cache.getByKey("node-a"));
        RawObject newer = object("Service", "shop", "web", "3");
        cache.update(newer);
        assertSame(newer, cache.getByKey("shop/web"));
        assertEquals(2, cache.list().size());
        cache.delete(newer);
        assertNull(cache.getByKey("shop/web"));
        cache.replace(List.of(web, node), "4");
        assertEquals(2, cache.listKeys().size());
        assertEquals(Set.of("none"), cache.getIndexers().keySet());
        assertThrows(IllegalArgumentException.class, () -> cache.byIndex(Caches.NAMESPACE_INDEX, "shop"));
    }

    @Test
    void every_new_object_and_every_deletion_is_reported_but_not_a_resync_of_the_instance_cached() {
        RawObject web = object("Service", "shop", "web", "1");
        cache.add(web);
        cache.update(web); // the informer's periodic resync: the very instance cached
        RawObject relisted = object("Service", "shop", "web", "1"); // a relist's copy at the same version
        cache.update(relisted);
        RawObject newer = object("Service", "shop", "web", "2");
        cache.update(newer);
        cache.delete(object("Service", "shop", "web", "3")); // the watch's last state of it
        cache.delete(object("Service", "shop", "gone", "4")); // never cached: nothing to report
        assertEquals(List.of("Service shop/web@1", "Service shop/web@1", "Service shop/web@2", "deleted Service shop/web@2"), reported);
    }

    /**
     * An object deleted while the informer could not watch is found missing by the next relist: the FIFO queues a
     * deletion marker (not the object) for it, and the informer hands that marker to the cache to delete. A cache whose
     * key function took only RawObjects threw on the marker, and the object stayed cached and published for good.
     */
    @Test
    void an_object_a_relist_no_longer_lists_is_deleted_by_the_fifos_marker_and_reported() throws InterruptedException {
        RawObject web = object("Service", "shop", "web", "1"), email = object("Service", "shop", "email", "2");
        cache.add(web);
        cache.add(email);
        DeltaFIFO fifo = new DeltaFIFO(erased.getKeyFunc(), cache);
        fifo.replace(List.of(web), "3");
        List<String> handled = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            fifo.pop(deltas -> deltas.forEach(d -> {
                handled.add(d.getLeft() + " " + erased.getKeyFunc().apply(d.getRight()));
                if (d.getLeft() == DeltaFIFO.DeltaType.Deleted) erased.delete(d.getRight());
                else erased.update(d.getRight());
            }));
        }
        assertEquals(List.of("Sync shop/web", "Deleted shop/email"), handled);
        assertNull(cache.getByKey("shop/email"));
        assertSame(web, cache.getByKey("shop/web"));
        assertEquals(List.of("Service shop/web@1", "Service shop/email@2", "deleted Service shop/email@2"), reported);
    }

    /** What fails in the cache is reported before the client's process loop gets it (which kpf logs only when debugging). */
    @Test
    void a_failure_in_the_cache_is_reported_and_thrown_on() {
        KubernetesObject nameless = new KubernetesObject() {
            @Override
            public io.kubernetes.client.openapi.models.V1ObjectMeta getMetadata() {
                return null;
            }

            @Override
            public String getApiVersion() {
                return "v1";
            }

            @Override
            public String getKind() {
                return "Service";
            }
        };
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> erased.add(nameless));
        assertEquals(List.of(thrown), failures);
        assertEquals(List.of(), reported);
    }
}
