package dev.kpf.testdata.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.util.List;
import java.util.Map;

/** Small builders for Kubernetes objects as JSON trees, used by the demo cluster and the scale generator. */
final class Objects {
    private Objects() {}

    static JsonObject obj(Object... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            if (v != null) o.add((String) kv[i], json(v));
        }
        return o;
    }

    static JsonArray arr(Object... items) {
        JsonArray a = new JsonArray();
        for (Object i : items) a.add(json(i));
        return a;
    }

    static JsonElement json(Object v) {
        return switch (v) {
            case JsonElement e -> e;
            case String s -> new JsonPrimitive(s);
            case Number n -> new JsonPrimitive(n);
            case Boolean b -> new JsonPrimitive(b);
            case List<?> l -> {
                JsonArray a = new JsonArray();
                l.forEach(x -> a.add(json(x)));
                yield a;
            }
            case Map<?, ?> m -> {
                JsonObject o = new JsonObject();
                m.forEach((k, x) -> o.add(String.valueOf(k), json(x)));
                yield o;
            }
            default -> throw new IllegalArgumentException("not JSON: " + v);
        };
    }

    static JsonObject meta(String namespace, String name) {
        return namespace == null ? obj("name", name) : obj("name", name, "namespace", namespace);
    }
}
