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

    /**
     * A list's items come without kind and apiVersion; the reflector sets them, and the tree an object gives has them
     * (replacing what an item carried), its other fields as the API sent them.
     */
    @Test
    void a_list_item_gives_the_kind_and_api_version_the_reflector_set() {
        RawObject item = of("""
                {"metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},"spec":{"ports":[{"port":80}]}}""");
        item.setKind("Service");
        item.setApiVersion("v1");
        assertEquals(JsonParser.parseString("""
                {"metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},"spec":{"ports":[{"port":80}]},
                 "kind":"Service","apiVersion":"v1"}"""), item.json());
        assertEquals("Service", item.getKind());
        assertEquals("v1", item.getApiVersion());
        assertEquals(item.json(), item.json(), "the same tree each time");
        RawObject stale = of("""
                {"kind":"Old","apiVersion":"v0","metadata":{"name":"web","namespace":"shop"}}""");
        stale.setKind("Service");
        stale.setApiVersion("v1");
        assertEquals(JsonParser.parseString("""
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop"}}"""), stale.json());
        stale.setKind(null); // the reflector passes what the list said: nothing changes
        assertEquals("Service", stale.json().get("kind").getAsString());
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

    /**
     * A resource version comes back exactly as the API server gave it, whether kept as a number (a decimal without
     * leading zeros that fits a long, as etcd's revisions are) or as text (anything else: it is opaque to clients);
     * two objects have the same version exactly when the texts are equal.
     */
    @Test
    void a_resource_version_comes_back_as_given_and_compares_as_its_text() {
        java.util.List<String> versions = java.util.List.of("0", "7", "42", "9223372036854775807", "9223372036854775808",
                "007", "-1", "12a", "", " 5", "abc", "18446744073709551616", "1e3");
        for (String v : versions) {
            RawObject o = of("{\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"resourceVersion\":\"" + v + "\"}}");
            assertEquals(v, o.resourceVersion(), "version " + v);
            assertEquals(v, o.getMetadata().getResourceVersion(), "version " + v);
            for (String w : versions) {
                RawObject p = of("{\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"resourceVersion\":\"" + w + "\"}}");
                assertEquals(v.equals(w), o.sameVersion(p.version(), p.versionText()), v + " against " + w);
            }
        }
        RawObject none = of("{\"kind\":\"Node\",\"metadata\":{\"name\":\"a\"}}");
        assertFalse(none.sameVersion(none.version(), none.versionText()), "no version is never the same version");
    }
}
