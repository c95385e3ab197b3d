package dev.kpf.dataplane.source;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;

/**
 * Reads one object from a JSON stream as {@link RawObject}: copied token by token into compact text, its identity
 * (kind, apiVersion, metadata's name, namespace and resourceVersion) picked up on the way. No tree is built: reading
 * a list page as a tree first, and writing each item of it back to text, held a whole page of trees at once (500
 * slices are 1 MB of JSON, their trees several times that: more than the agent's 4 MB eden, so each page was promoted
 * before it died) and took one parse and one write per object more than this. By hand, the source alone in a JVM with
 * the agent's options: 213 -> 167 young collections and 1.9 -> 0.54 s of pauses before its first state.
 */
final class RawObjectReader {
    private RawObjectReader() {}

    /** The next value of {@code in} as an object; anything but an object reads as an empty one (as the tree did). */
    static RawObject read(JsonReader in) throws IOException {
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
            in.skipValue();
            return new RawObject("{}", null, null, null, null, null);
        }
        StringWriter text = new StringWriter(1024);
        JsonWriter out = new JsonWriter(text);
        out.setStrictness(Strictness.LENIENT);
        Identity id = new Identity();
        out.beginObject();
        in.beginObject();
        while (in.hasNext()) {
            String name = in.nextName();
            out.name(name);
            switch (name) {
                case "kind" -> id.kind = copyPrimitive(in, out);
                case "apiVersion" -> id.apiVersion = copyPrimitive(in, out);
                case "metadata" -> copyMetadata(in, out, id);
                default -> copy(in, out);
            }
        }
        in.endObject();
        out.endObject();
        out.flush();
        return new RawObject(text.toString(), id.kind, id.apiVersion, id.name, id.namespace, id.resourceVersion);
    }

    /** What {@link #read} picks up; the last occurrence of a field wins, as in a tree parsed from the same text. */
    private static final class Identity {
        String kind;
        String apiVersion;
        String name;
        String namespace;
        String resourceVersion;
    }

    private static void copyMetadata(JsonReader in, JsonWriter out, Identity id) throws IOException {
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
            // a metadata that is not an object has no identity (a later one may still give it)
            id.name = id.namespace = id.resourceVersion = null;
            copy(in, out);
            return;
        }
        in.beginObject();
        out.beginObject();
        id.name = id.namespace = id.resourceVersion = null;
        while (in.hasNext()) {
            String name = in.nextName();
            out.name(name);
            switch (name) {
                case "name" -> id.name = copyPrimitive(in, out);
                case "namespace" -> id.namespace = copyPrimitive(in, out);
                case "resourceVersion" -> id.resourceVersion = copyPrimitive(in, out);
                default -> copy(in, out);
            }
        }
        in.endObject();
        out.endObject();
    }

    /** Copies one value; returns its text when it is a string, number or boolean, else null. */
    private static String copyPrimitive(JsonReader in, JsonWriter out) throws IOException {
        return switch (in.peek()) {
            case STRING -> {
                String s = in.nextString();
                out.value(s);
                yield s;
            }
            case NUMBER -> {
                String s = in.nextString();
                out.jsonValue(s);
                yield s;
            }
            case BOOLEAN -> {
                boolean b = in.nextBoolean();
                out.value(b);
                yield Boolean.toString(b);
            }
            default -> {
                copy(in, out);
                yield null;
            }
        };
    }

    /** Copies one value of any kind, nested values included (depth is bounded by the reader's own nesting limit). */
    private static void copy(JsonReader in, JsonWriter out) throws IOException {
        switch (in.peek()) {
            case BEGIN_OBJECT -> {
                in.beginObject();
                out.beginObject();
                while (in.hasNext()) {
                    out.name(in.nextName());
                    copy(in, out);
                }
                in.endObject();
                out.endObject();
            }
            case BEGIN_ARRAY -> {
                in.beginArray();
                out.beginArray();
                while (in.hasNext()) copy(in, out);
                in.endArray();
                out.endArray();
            }
            case STRING -> out.value(in.nextString());
            case NUMBER -> out.jsonValue(in.nextString());
            case BOOLEAN -> out.value(in.nextBoolean());
            case NULL -> {
                in.nextNull();
                out.nullValue();
            }
            default -> throw new IOException("unexpected " + in.peek() + " at " + in.getPath());
        }
    }
}
