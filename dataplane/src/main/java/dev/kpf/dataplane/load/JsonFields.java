package dev.kpf.dataplane.load;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Lenient reads from a JSON object tree: missing or mistyped fields read as absent, never as exceptions. */
final class JsonFields {
    private JsonFields() {}

    static JsonObject object(JsonObject o, String... path) {
        JsonObject cur = o;
        for (String p : path) {
            if (cur == null || !cur.has(p) || !cur.get(p).isJsonObject()) return null;
            cur = cur.getAsJsonObject(p);
        }
        return cur;
    }

    static String string(JsonObject o, String key) {
        if (o == null || !o.has(key) || !o.get(key).isJsonPrimitive()) return null;
        return o.get(key).getAsString();
    }

    static String string(JsonObject o, String key, String fallback) {
        String s = string(o, key);
        return s == null ? fallback : s;
    }

    static List<JsonElement> array(JsonObject o, String key) {
        if (o == null || !o.has(key) || !o.get(key).isJsonArray()) return List.of();
        JsonArray a = o.getAsJsonArray(key);
        List<JsonElement> out = new ArrayList<>(a.size());
        a.forEach(out::add);
        return out;
    }

    static List<String> strings(JsonObject o, String key) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(o, key)) if (e.isJsonPrimitive()) out.add(e.getAsString());
        return out;
    }

    /** An integer field; empty when absent, and also when it is not a whole number (the caller reports it). */
    static OptionalLong integer(JsonObject o, String key) {
        if (o == null || !o.has(key) || !o.get(key).isJsonPrimitive()) return OptionalLong.empty();
        try {
            return OptionalLong.of(o.get(key).getAsBigDecimal().longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    static boolean has(JsonObject o, String key) {
        return o != null && o.has(key) && !o.get(key).isJsonNull();
    }

    /** A boolean field with a default for absent or null values. */
    static boolean bool(JsonObject o, String key, boolean absent) {
        if (!has(o, key) || !o.get(key).isJsonPrimitive()) return absent;
        return o.get(key).getAsBoolean();
    }

    static Map<String, String> stringMap(JsonObject o) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o == null) return out;
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getValue().isJsonPrimitive()) out.put(e.getKey(), e.getValue().getAsString());
        }
        return out;
    }
}
