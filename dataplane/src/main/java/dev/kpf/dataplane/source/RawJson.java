package dev.kpf.dataplane.source;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Teaches the client's JSON layer (a process-wide Gson inside the official client) to read every type the informers
 * ask it for: {@link RawObject}, {@link RawObjectList}, a watch event ({@code Watch.Response} of either) and the
 * {@code Status} an API error or an ERROR event carries. Registered once, before the first informer starts; the
 * client's own model adapters stay, but are never consulted: Gson asks each of the client's 770-odd model adapter
 * factories in turn about a type it has not seen, and each factory's question loads its model class, so the first
 * watch event once loaded about 830 classes (about 7 MB of metaspace; by hand, {@code -Xlog:class+load} and NMT on an
 * agent at 10,000 x 10) that kpf never uses.
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
        JSON.setGson(withRawTypes(JSON.getGson()));
        return true;
    }

    /**
     * What an API error's body says: the message of the Status it holds (which names the object, and for a refusal
     * the account and what it lacks), else the body as it came (stripped).
     */
    public static String statusMessage(String body) {
        ensureRegistered();
        try {
            V1Status status = JSON.getGson().fromJson(body, V1Status.class);
            if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) return status.getMessage();
        } catch (com.google.gson.JsonParseException | IllegalStateException e) {
            // not a Status
        }
        return body.strip();
    }

    /** {@code base} with kpf's adapters consulted before any of its own factories. */
    static Gson withRawTypes(Gson base) {
        return base.newBuilder()
                .registerTypeAdapter(RawObject.class, new ObjectAdapter())
                .registerTypeAdapter(RawObjectList.class, new ListAdapter())
                .registerTypeAdapterFactory(new WatchEventFactory())
                .create();
    }

    /**
     * Watch events and Status objects, read without the client's model adapters: an event's {@code type} and
     * {@code object} (read by the adapter of the event's type argument: a {@link RawObject}, or a {@link V1Status}
     * for an ERROR event); a Status by a Gson of its own with no factories but Gson's reflective one.
     */
    private static final class WatchEventFactory implements TypeAdapterFactory {
        private final Gson plain = new GsonBuilder().create();

        @Override
        @SuppressWarnings("unchecked")
        public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
            if (type.getRawType() == V1Status.class) return (TypeAdapter<T>) plain.getAdapter(V1Status.class);
            if (type.getRawType() != Watch.Response.class) return null;
            Type argument = type.getType() instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
            if (argument != RawObject.class && argument != V1Status.class) return null;
            return (TypeAdapter<T>) new EventAdapter(gson.getAdapter(TypeToken.get(argument)));
        }
    }

    private static final class EventAdapter extends TypeAdapter<Watch.Response<Object>> {
        private final TypeAdapter<?> object;

        EventAdapter(TypeAdapter<?> object) {
            this.object = object;
        }

        @Override
        public void write(JsonWriter out, Watch.Response<Object> value) {
            throw new UnsupportedOperationException("watch events are only read");
        }

        @Override
        public Watch.Response<Object> read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            String type = null;
            Object value = null;
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "type" -> type = in.peek() == JsonToken.NULL ? nextNull(in) : in.nextString();
                    case "object" -> value = object.read(in);
                    default -> in.skipValue();
                }
            }
            in.endObject();
            return new Watch.Response<>(type, value);
        }

        private static String nextNull(JsonReader in) throws IOException {
            in.nextNull();
            return null;
        }
    }

    private static final class ObjectAdapter extends TypeAdapter<RawObject> {
        @Override
        public void write(JsonWriter out, RawObject value) throws IOException {
            com.google.gson.internal.Streams.write(value.json(), out);
        }

        @Override
        public RawObject read(JsonReader in) throws IOException {
            return RawObjectReader.read(in);
        }
    }

    /**
     * A list page read as a stream: its items one at a time ({@link RawObjectReader}), never the page as one tree.
     * Items that are not objects are skipped; an item without kind or apiVersion (the API sends none) gets the list's,
     * wherever in the page the list's own fields come.
     */
    private static final class ListAdapter extends TypeAdapter<RawObjectList> {
        @Override
        public void write(JsonWriter out, RawObjectList value) {
            throw new UnsupportedOperationException("lists are only read");
        }

        @Override
        public RawObjectList read(JsonReader in) throws IOException {
            String kind = "";
            String apiVersion = "";
            String resourceVersion = null;
            String cont = null;
            List<RawObject> items = new ArrayList<>();
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "kind" -> kind = string(in, kind);
                    case "apiVersion" -> apiVersion = string(in, apiVersion);
                    case "metadata" -> {
                        if (in.peek() != JsonToken.BEGIN_OBJECT) {
                            in.skipValue();
                            continue;
                        }
                        in.beginObject();
                        while (in.hasNext()) {
                            switch (in.nextName()) {
                                case "resourceVersion" -> resourceVersion = string(in, null);
                                case "continue" -> cont = string(in, null);
                                default -> in.skipValue();
                            }
                        }
                        in.endObject();
                    }
                    case "items" -> {
                        if (in.peek() != JsonToken.BEGIN_ARRAY) {
                            in.skipValue();
                            continue;
                        }
                        items.clear();
                        in.beginArray();
                        while (in.hasNext()) {
                            if (in.peek() == JsonToken.BEGIN_OBJECT) items.add(RawObjectReader.read(in));
                            else in.skipValue();
                        }
                        in.endArray();
                    }
                    default -> in.skipValue();
                }
            }
            in.endObject();
            String itemKind = kind.endsWith("List") ? kind.substring(0, kind.length() - 4) : kind;
            for (RawObject item : items) {
                if (item.getKind() == null) item.setKind(itemKind);
                if (item.getApiVersion() == null) item.setApiVersion(apiVersion);
            }
            V1ListMeta meta = new V1ListMeta().resourceVersion(resourceVersion)._continue(cont);
            return new RawObjectList(apiVersion, kind, meta, items);
        }

        /** A string, number or boolean as text; {@code otherwise} for null or a structure. */
        private static String string(JsonReader in, String otherwise) throws IOException {
            return switch (in.peek()) {
                case STRING, NUMBER -> in.nextString();
                case BOOLEAN -> Boolean.toString(in.nextBoolean());
                default -> {
                    in.skipValue();
                    yield otherwise;
                }
            };
        }
    }
}
