package dev.kpf.dataplane.load;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 17: the streaming reader (parser events, list items handed over one by one) reads exactly what SnakeYAML's
 * own loader reads. Seeded random files (objects, kind: List with items that name their kind or not, typed lists,
 * shared sub-objects written as anchors and aliases, scalars of every type, documents that are not objects) are
 * written in block and flow style; the objects the reader hands over must equal those of the loader's tree with
 * the list rule applied (a mapping whose kind ends in List and whose items are a sequence is its items).
 */
class YamlStreamingAgreementTest {
    private static final String[] WORDS = {"web", "db", "a b", "x:y", "#not-a-comment", "yes", "null", "1.5", "0x1F", "-", "quote\"d", "é", ""};

    private final Random random = new Random(17);

    private Object scalar() {
        return switch (random.nextInt(7)) {
            case 0 -> random.nextInt(100_000) - 50_000;
            case 1 -> random.nextBoolean();
            case 2 -> null;
            case 3 -> random.nextInt(1000) / 8.0;
            case 4 -> new BigInteger("123456789012345678901234567890");
            default -> WORDS[random.nextInt(WORDS.length)];
        };
    }

    private Object value(int depth, List<Object> shared) {
        int pick = random.nextInt(10);
        if (depth > 4 || pick < 5) return scalar();
        if (pick == 5 && !shared.isEmpty()) return shared.get(random.nextInt(shared.size())); // written as an alias
        if (pick < 8) {
            Map<String, Object> m = map(depth + 1, shared);
            if (random.nextInt(4) == 0) shared.add(m);
            return m;
        }
        List<Object> l = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) l.add(value(depth + 1, shared));
        return l;
    }

    private Map<String, Object> map(int depth, List<Object> shared) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = random.nextInt(5); i > 0; i--) m.put("k" + random.nextInt(1000) + WORDS[random.nextInt(3)], value(depth, shared));
        return m;
    }

    private Map<String, Object> object(String kind, List<Object> shared) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("apiVersion", "v1");
        if (kind != null) m.put("kind", kind);
        m.put("metadata", Map.of("name", "o" + random.nextInt(1000)));
        m.putAll(map(1, shared));
        return m;
    }

    /** One document: an object, a list (kind List or typed, items before kind as kubectl writes them), or not an object. */
    private Object document() {
        List<Object> shared = new ArrayList<>();
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                return object(random.nextBoolean() ? "Service" : "EndpointSlice", shared);
            }
            case 2, 3 -> {
                Map<String, Object> list = new LinkedHashMap<>();
                list.put("apiVersion", "v1");
                List<Object> items = new ArrayList<>();
                boolean typed = random.nextBoolean();
                for (int i = random.nextInt(6); i > 0; i--) {
                    items.add(random.nextInt(8) == 0 ? scalar() : object(typed && random.nextBoolean() ? null : "Service", shared));
                }
                list.put("items", items);
                list.put("kind", typed ? "ServiceList" : "List");
                list.put("metadata", Map.of());
                return list;
            }
            case 4 -> {
                Map<String, Object> notAList = object("Widget", shared);
                notAList.put("items", List.of(object("Service", shared)));
                return notAList;
            }
            default -> {
                return random.nextBoolean() ? scalar() : List.of(1, 2);
            }
        }
    }

    @Test
    void the_streaming_reader_reads_what_snakeyamls_loader_reads() {
        int objects = 0;
        for (int file = 0; file < 300; file++) {
            List<Object> docs = new ArrayList<>();
            for (int i = 1 + random.nextInt(4); i > 0; i--) docs.add(document());
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(file % 2 == 0 ? DumperOptions.FlowStyle.BLOCK : DumperOptions.FlowStyle.FLOW);
            String text = new Yaml(options).dumpAll(docs.iterator());

            List<JsonElement> expected = new ArrayList<>();
            for (Object loaded : new Yaml().loadAll(text)) expected.addAll(asObjects(loaded));
            List<JsonElement> actual = new ArrayList<>();
            YamlDocuments.parse(text, "f.yaml").documents().forEach(d -> actual.add(d.object()));
            assertEquals(expected, actual, "file " + file + ":\n" + text);
            objects += actual.size();
        }
        assertEquals(true, objects > 500, "the files held objects to compare: " + objects);
    }

    /** The loader's document as the objects kpf takes from it. */
    private static List<JsonElement> asObjects(Object loaded) {
        if (!(loaded instanceof Map<?, ?> m)) return List.of();
        JsonObject o = json(m).getAsJsonObject();
        Object kind = m.get("kind");
        if (!(m.get("items") instanceof List<?> items)) return List.of(o);
        if (!(kind instanceof String k) || !k.endsWith("List")) {
            o.remove("items");
            return List.of(o);
        }
        List<JsonElement> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof Map<?, ?> im)) continue;
            JsonObject io = json(im).getAsJsonObject();
            if (!k.equals("List") && !io.has("kind")) {
                io.addProperty("kind", k.substring(0, k.length() - 4));
                if (!io.has("apiVersion") && m.get("apiVersion") instanceof String v) io.addProperty("apiVersion", v);
            }
            out.add(io);
        }
        return out;
    }

    private static JsonElement json(Object v) {
        return switch (v) {
            case null -> JsonNull.INSTANCE;
            case Map<?, ?> m -> {
                JsonObject o = new JsonObject();
                m.forEach((k, x) -> o.add(String.valueOf(k), json(x)));
                yield o;
            }
            case List<?> l -> {
                JsonArray a = new JsonArray();
                l.forEach(x -> a.add(json(x)));
                yield a;
            }
            case Boolean b -> new JsonPrimitive(b);
            case Integer i -> new JsonPrimitive(BigInteger.valueOf(i));
            case Long i -> new JsonPrimitive(BigInteger.valueOf(i));
            case BigInteger i -> new JsonPrimitive(i);
            case Double d -> new JsonPrimitive(new BigDecimal(d.toString()));
            default -> new JsonPrimitive(String.valueOf(v));
        };
    }
}
