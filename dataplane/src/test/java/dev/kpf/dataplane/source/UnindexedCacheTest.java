package dev.kpf.dataplane.source;

import com.google.gson.JsonParser;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The informers' cache keys objects as the client's default cache does (namespace/name; name for cluster-scoped
 * objects), replaces and deletes by that key, and keeps no namespace index.
 */
class UnindexedCacheTest {
    private static RawObject object(String kind, String ns, String name, String rv) {
        String meta = "\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"" + (ns == null ? "" : ",\"namespace\":\"" + ns + "\"");
        return new RawObject(JsonParser.parseString("{\"kind\":\"" + kind + "\",\"metadata\":{" + meta + "}}").getAsJsonObject());
    }

    @Test
    void objects_are_kept_by_the_default_key_and_not_indexed_by_namespace() {
        Cache<RawObject> cache = KubeSource.unindexedCache();
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
}
