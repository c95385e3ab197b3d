package dev.kpf.dataplane.source;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ListMeta;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Teaches the client's JSON layer (a process-wide Gson inside the official client) to read {@link RawObject} and
 * {@link RawObjectList}. Registered once, before the first informer starts; the client's own model adapters stay.
 */
public final class RawJson {
    private RawJson() {}

    private static final class Registered {
        static final boolean DONE = register();
    }

    public static void ensureRegistered() {
        boolean ignored = Registered.DONE;
    }

    private static boolean register() {
        Gson gson = JSON.getGson().newBuilder()
                .registerTypeAdapter(RawObject.class, new ObjectAdapter())
                .registerTypeAdapter(RawObjectList.class, new ListAdapter())
                .create();
        JSON.setGson(gson);
        return true;
    }

    private static final class ObjectAdapter extends TypeAdapter<RawObject> {
        @Override
        public void write(JsonWriter out, RawObject value) throws IOException {
            com.google.gson.internal.Streams.write(value.json(), out);
        }

        @Override
        public RawObject read(JsonReader in) {
            JsonElement e = JsonParser.parseReader(in);
            return new RawObject(e.isJsonObject() ? e.getAsJsonObject() : new JsonObject());
        }
    }

    private static final class ListAdapter extends TypeAdapter<RawObjectList> {
        @Override
        public void write(JsonWriter out, RawObjectList value) {
            throw new UnsupportedOperationException("lists are only read");
        }

        @Override
        public RawObjectList read(JsonReader in) {
            JsonObject o = JsonParser.parseReader(in).getAsJsonObject();
            JsonObject m = o.has("metadata") ? o.getAsJsonObject("metadata") : new JsonObject();
            V1ListMeta meta = new V1ListMeta()
                    .resourceVersion(m.has("resourceVersion") ? m.get("resourceVersion").getAsString() : null)
                    ._continue(m.has("continue") ? m.get("continue").getAsString() : null);
            List<RawObject> items = new ArrayList<>();
            String kind = o.has("kind") ? o.get("kind").getAsString() : "";
            String apiVersion = o.has("apiVersion") ? o.get("apiVersion").getAsString() : "";
            String itemKind = kind.endsWith("List") ? kind.substring(0, kind.length() - 4) : kind;
            if (o.has("items") && o.get("items").isJsonArray()) {
                for (JsonElement e : o.getAsJsonArray("items")) {
                    if (!e.isJsonObject()) continue;
                    JsonObject item = e.getAsJsonObject();
                    // list items from the API carry no kind/apiVersion of their own
                    if (!item.has("kind")) item.addProperty("kind", itemKind);
                    if (!item.has("apiVersion")) item.addProperty("apiVersion", apiVersion);
                    items.add(new RawObject(item));
                }
            }
            return new RawObjectList(apiVersion, kind, meta, items);
        }
    }
}
