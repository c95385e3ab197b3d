package dev.kpf.dataplane.source;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.util.Watch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Objects read from the API's stream ({@link RawObjectReader}, without a tree) are what the same text parsed as a
 * tree says: the same JSON when decoded, and the identity the informers key them by (kind, apiVersion, metadata's
 * name, namespace and resource version: a field's text when it is a string, number or boolean, else none; the last
 * of repeated fields wins). Checked on seeded random objects of every shape JSON allows in those places, alone as a
 * watch event's object and as items of list pages whose own fields come in any order (an item without a kind or
 * apiVersion as text gets the list's).
 */
class RawObjectReaderTest {
    private static final int CASES = 3_000;
    private final Gson gson = RawJson.withRawTypes(new GsonBuilder().create());

    @Test
    void a_streamed_object_is_its_text_parsed_as_a_tree() {
        Random random = new Random(20261204);
        for (int i = 0; i < CASES; i++) {
            String text = randomObject(random);
            Watch.Response<RawObject> event = gson.fromJson("{\"type\":\"ADDED\",\"object\":" + text + "}",
                    new TypeToken<Watch.Response<RawObject>>() {}.getType());
            JsonObject tree = JsonParser.parseString(text).getAsJsonObject();
            assertSameObject(tree, event.object, "case " + i + ": " + text);
        }
    }

    @Test
    void a_streamed_list_page_holds_its_object_items_with_the_lists_kind_where_they_have_none() {
        Random random = new Random(4);
        for (int i = 0; i < CASES / 10; i++) {
            List<String> items = new ArrayList<>();
            int n = random.nextInt(6);
            for (int k = 0; k < n; k++) items.add(random.nextInt(8) == 0 ? randomValue(random, 1) : randomObject(random));
            List<String> fields = new ArrayList<>(List.of("\"kind\":\"ServiceList\"", "\"apiVersion\":\"v1\"",
                    "\"metadata\":{\"resourceVersion\":\"" + i + "\",\"continue\":\"c" + i + "\"}", "\"items\":[" + String.join(",", items) + "]"));
            java.util.Collections.shuffle(fields, random);
            String page = "{" + String.join(",", fields) + "}";
            RawObjectList list = gson.fromJson(page, RawObjectList.class);
            assertEquals(Integer.toString(i), list.getMetadata().getResourceVersion(), page);
            assertEquals("c" + i, list.getMetadata().getContinue(), page);
            List<JsonObject> expected = new ArrayList<>();
            for (String item : items) {
                JsonElement e = JsonParser.parseString(item);
                if (!e.isJsonObject()) continue; // not an object: skipped
                JsonObject o = e.getAsJsonObject();
                // no kind or apiVersion, or one that is not text: the list's
                if (text(o, "kind") == null) o.addProperty("kind", "Service");
                if (text(o, "apiVersion") == null) o.addProperty("apiVersion", "v1");
                expected.add(o);
            }
            assertEquals(expected.size(), list.getItems().size(), page);
            for (int k = 0; k < expected.size(); k++) assertSameObject(expected.get(k), list.getItems().get(k), "page " + i + " item " + k + ": " + page);
        }
    }

    @Test
    void an_object_of_the_api_with_its_text_unchanged_in_meaning() {
        String text = """
                {"metadata":{"name":"web","namespace":"shop","resourceVersion":"42","labels":{"app":"w\\u00e9b","x":"a\\"b\\\\c\\n"}},
                 "spec":{"ports":[{"port":80,"targetPort":8080.0,"weight":-0,"big":12345678901234567890123}],"clusterIP":null,"on":true}}""";
        RawObjectList list = gson.fromJson("{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[" + text + "]}", RawObjectList.class);
        RawObject o = list.getItems().getFirst();
        assertEquals(new dev.kpf.dataplane.model.ObjectRef("Service", "shop", "web"), o.key());
        assertEquals("42", o.resourceVersion());
        JsonObject tree = o.json();
        assertEquals("w\u00e9b", tree.getAsJsonObject("metadata").getAsJsonObject("labels").get("app").getAsString());
        assertEquals("a\"b\\c\n", tree.getAsJsonObject("metadata").getAsJsonObject("labels").get("x").getAsString());
        assertEquals("12345678901234567890123", tree.getAsJsonObject("spec").getAsJsonArray("ports").get(0).getAsJsonObject().get("big").getAsString());
        assertEquals("8080.0", tree.getAsJsonObject("spec").getAsJsonArray("ports").get(0).getAsJsonObject().get("targetPort").getAsString());
        assertEquals(true, tree.getAsJsonObject("spec").get("clusterIP").isJsonNull());
    }

    private static void assertSameObject(JsonObject tree, RawObject o, String what) {
        JsonObject meta = tree.get("metadata") instanceof JsonObject m ? m : new JsonObject();
        assertEquals(text(tree, "kind"), o.getKind(), what);
        assertEquals(text(tree, "apiVersion"), o.getApiVersion(), what);
        assertEquals(text(meta, "name"), o.name(), what);
        assertEquals(text(meta, "namespace"), o.namespace(), what);
        assertEquals(text(meta, "resourceVersion"), o.resourceVersion(), what);
        JsonObject expected = tree.deepCopy();
        if (o.getKind() != null) expected.addProperty("kind", o.getKind());
        if (o.getApiVersion() != null) expected.addProperty("apiVersion", o.getApiVersion());
        assertEquals(expected, o.json(), what);
    }

    private static String text(JsonObject o, String field) {
        return o.get(field) instanceof JsonPrimitive p ? p.getAsString() : null;
    }

    private static final String[] NAMES = {"kind", "apiVersion", "metadata", "spec", "name", "namespace", "resourceVersion", "x"};

    /** An object whose fields come from {@link #NAMES} (so identity fields appear, repeat, and nest) with any values. */
    private static String randomObject(Random random) {
        return object(random, 0);
    }

    private static String object(Random random, int depth) {
        int n = random.nextInt(depth == 0 ? 7 : 4);
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < n; i++) fields.add(new JsonPrimitive(NAMES[random.nextInt(NAMES.length)]) + ":" + randomValue(random, depth + 1));
        return "{" + String.join(",", fields) + "}";
    }

    private static String randomValue(Random random, int depth) {
        int pick = random.nextInt(depth > 3 ? 6 : 9);
        return switch (pick) {
            case 0 -> new JsonPrimitive(randomString(random)).toString();
            case 1 -> List.of("0", "-0", "7", "42", "-12", "3.5", "1e3", "-2.5E-3", "9223372036854775808", "100").get(random.nextInt(10));
            case 2 -> random.nextBoolean() ? "true" : "false";
            case 3 -> "null";
            case 4 -> new JsonPrimitive(Integer.toString(random.nextInt(1000))).toString();
            case 5 -> new JsonPrimitive(List.of("web", "shop", "", "a b", "Service", "v1").get(random.nextInt(6))).toString();
            case 6, 7 -> object(random, depth);
            default -> {
                int n = random.nextInt(4);
                List<String> values = new ArrayList<>();
                for (int i = 0; i < n; i++) values.add(randomValue(random, depth + 1));
                yield "[" + String.join(",", values) + "]";
            }
        };
    }

    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(8);
        for (int i = 0; i < n; i++) {
            s.append(switch (random.nextInt(6)) {
                case 0 -> '"';
                case 1 -> '\\';
                case 2 -> (char) random.nextInt(0x20);
                case 3 -> (char) (0x80 + random.nextInt(0x2000));
                case 4 -> '<';
                default -> (char) ('a' + random.nextInt(26));
            });
        }
        return s.toString();
    }
}
