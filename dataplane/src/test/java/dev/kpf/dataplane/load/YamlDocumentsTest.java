package dev.kpf.dataplane.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Splitting files into objects, with the line each starts on. */
class YamlDocumentsTest {
    @Test
    void typed_lists_from_the_api_give_their_items_the_kind() {
        String json = """
                {"apiVersion": "v1", "kind": "ServiceList", "items": [
                  {"metadata": {"name": "a"}},
                  {"metadata": {"name": "b"}}
                ]}
                """;
        YamlDocuments.Parsed p = YamlDocuments.parse(json, "svc.json");
        assertEquals(2, p.documents().size());
        assertEquals("Service", p.documents().get(1).object().get("kind").getAsString());
        assertEquals("v1", p.documents().get(1).object().get("apiVersion").getAsString());
        assertEquals("svc.json:3", p.documents().get(1).location());
    }

    @Test
    void numbers_booleans_and_nulls_keep_their_yaml_types() {
        var o = YamlDocuments.parse("a: 80\nb: true\nc: null\nd: '80'\ne: 0x1F\n", "f.yaml").documents().getFirst().object();
        assertTrue(o.get("a").getAsJsonPrimitive().isNumber());
        assertTrue(o.get("b").getAsJsonPrimitive().isBoolean());
        assertTrue(o.get("c").isJsonNull());
        assertTrue(o.get("d").getAsJsonPrimitive().isString());
        assertTrue(o.get("e").getAsJsonPrimitive().isString(), "hex stays text and is reported where a number is needed");
    }

    @Test
    void a_scalar_document_and_duplicate_keys_are_reported_with_their_line() {
        YamlDocuments.Parsed p = YamlDocuments.parse("just text\n---\na: 1\na: 2\n", "x.yaml");
        assertEquals("x.yaml:1: expected a Kubernetes object (a mapping), found scalar: skipped", p.problems().get(0).toString());
        assertEquals("x.yaml:4: duplicate key a: the object starting at line 3 is skipped", p.problems().get(1).toString());
    }
}
