package dev.kpf.dataplane.source;

import com.google.gson.JsonParser;
import io.kubernetes.client.informer.cache.Caches;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A cached object gives the informers the identity they read (name, namespace, resource version, through the
 * metadata and the client's own key function) without keeping a metadata object, and lets go of its text.
 */
class RawObjectTest {
    static RawObject of(String json) {
        return new RawObject(JsonParser.parseString(json).getAsJsonObject());
    }

    @Test
    void the_metadata_carries_the_identity_the_informers_key_and_version_objects_by() {
        RawObject o = of("""
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","resourceVersion":"42",
                 "labels":{"app":"web"},"uid":"u-1"},"spec":{}}""");
        assertEquals("web", o.getMetadata().getName());
        assertEquals("shop", o.getMetadata().getNamespace());
        assertEquals("42", o.getMetadata().getResourceVersion());
        assertEquals("42", o.resourceVersion());
        assertEquals("shop/web", Caches.deletionHandlingMetaNamespaceKeyFunc(o));
        assertEquals(new dev.kpf.dataplane.model.ObjectRef("Service", "shop", "web"), o.key());
        // a caller changing what it got changes nothing kept
        o.getMetadata().setName("other");
        assertEquals("web", o.getMetadata().getName());
    }

    @Test
    void a_cluster_scoped_object_without_a_version_has_no_namespace_and_no_version() {
        RawObject o = of("""
                {"kind":"Node","apiVersion":"v1","metadata":{"name":"node-a"}}""");
        assertNull(o.getMetadata().getNamespace());
        assertNull(o.resourceVersion());
        assertEquals("node-a", Caches.deletionHandlingMetaNamespaceKeyFunc(o));
        assertEquals(new dev.kpf.dataplane.model.ObjectRef("Node", "", "node-a"), o.key());
    }

    @Test
    void released_text_is_gone_and_the_identity_stays() {
        RawObject o = of("""
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","resourceVersion":"7"}}""");
        assertEquals("web", o.json().getAsJsonObject("metadata").get("name").getAsString());
        o.release();
        assertFalse(o.holdsText());
        assertThrows(IllegalStateException.class, o::json);
        assertEquals("shop/web", Caches.deletionHandlingMetaNamespaceKeyFunc(o));
    }
}
