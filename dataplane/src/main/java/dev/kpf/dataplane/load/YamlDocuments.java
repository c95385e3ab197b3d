package dev.kpf.dataplane.load;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.kpf.dataplane.model.Problem;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Splits YAML or JSON text (one object, several {@code ---} documents, {@code kind: List} or typed lists such as
 * {@code ServiceList}, {@code kubectl get -o yaml} dumps) into objects, each with the line it starts on. Malformed
 * text is reported with its line; the documents before the error are kept.
 *
 * <p>The text is read as a stream of parser events, and a list's items are handed over one by one as they are
 * read: a 12 MB dump of 110,000 objects is never one tree in memory (a caller that decodes each object at once keeps
 * only what it decoded). An item that names its own kind is handed to {@code decode} at once; one without (a typed
 * list's) waits for the list's kind. Whether a mapping with {@code items} is a list is known only at its end
 * (kubectl writes {@code items} before {@code kind}); one whose kind does not end in {@code List} is one object,
 * handed over without its {@code items} (no kind kpf reads has a top-level {@code items}).
 */
public final class YamlDocuments {
    private YamlDocuments() {}

    private static final int MAX_DEPTH = 64;
    private static final int MAX_ALIASES = 50;
    private static final Resolver RESOLVER = new Resolver();

    public record Parsed(List<SourceDocument> documents, List<Problem> problems) {}

    public static Parsed parse(String text, String file) {
        List<SourceDocument> docs = new ArrayList<>();
        List<Problem> problems = stream(new StringReader(text), file, d -> d, docs::add);
        return new Parsed(docs, problems);
    }

    /**
     * Reads {@code in} object by object: each is passed through {@code decode} and the result to {@code sink}, in
     * file order. Returns the problems (malformed text, objects that cannot be Kubernetes objects).
     */
    public static <T> List<Problem> stream(Reader in, String file, Function<SourceDocument, T> decode, Consumer<T> sink) {
        List<Problem> problems = new ArrayList<>();
        LoaderOptions options = new LoaderOptions();
        // a `kubectl get -o yaml` dump of a large cluster is tens of megabytes (SnakeYAML's default stops at 3 MB)
        options.setCodePointLimit(256 << 20);
        Events events = new Events(new Yaml(options).parse(in).iterator());
        try {
            while (events.hasNext()) {
                if (!(events.next() instanceof DocumentStartEvent)) continue;
                Event root = events.peek();
                int line = line(root.getStartMark());
                events.anchors.clear();
                events.aliases = 0;
                if (root instanceof MappingStartEvent) {
                    topLevel(events, file, decode, sink, problems);
                } else {
                    String found = root instanceof SequenceStartEvent ? NodeId.sequence.name() : NodeId.scalar.name();
                    events.skipNode();
                    problems.add(new Problem("", file + ":" + line, "expected a Kubernetes object (a mapping), found " + found + ": skipped"));
                }
            }
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(new Problem("", file + ":" + (m == null ? 1 : line(m)), "malformed YAML/JSON: "
                    + (e.getProblem() == null ? e.getMessage() : e.getProblem()) + "; the rest of the file is skipped"));
        } catch (YAMLException | IllegalStateException e) {
            problems.add(new Problem("", file, "malformed YAML/JSON: " + e.getMessage() + "; the rest of the file is skipped"));
        }
        return problems;
    }

    /** A list item read before the list's kind was known: decoded already, or (no kind of its own) its JSON. */
    private sealed interface Item<T> {
        record Decoded<T>(T value) implements Item<T> {}

        record Waiting<T>(JsonObject object, String location) implements Item<T> {}

        record NotAnObject<T>(int line) implements Item<T> {}
    }

    /** One document whose root is a mapping: an object, or a list whose items stream out. */
    private static <T> void topLevel(Events events, String file, Function<SourceDocument, T> decode, Consumer<T> sink, List<Problem> problems) {
        MappingStartEvent start = (MappingStartEvent) events.next();
        int line = line(start.getStartMark());
        JsonObject object = new JsonObject();
        List<Item<T>> items = null;
        try {
            events.anchor(start, object);
            while (!(events.peek() instanceof MappingEndEvent)) {
                Event keyEvent = events.peek();
                String key = key(events, 1);
                if (object.has(key) || (items != null && key.equals("items"))) throw new BadObject(line(keyEvent.getStartMark()), "duplicate key " + key);
                if (key.equals("items") && events.peek() instanceof SequenceStartEvent) {
                    items = streamItems(events, file, decode, problems);
                } else {
                    object.add(key, value(events, 1));
                }
            }
            events.next();
        } catch (BadObject e) {
            events.skipTo(0);
            problems.add(new Problem("", file + ":" + e.line, e.getMessage() + ": the object starting at line " + line + " is skipped"));
            return;
        }
        String kind = string(object, "kind");
        if (items == null || kind == null || !kind.endsWith("List")) {
            sink.accept(decode.apply(new SourceDocument(object, file + ":" + line)));
            return;
        }
        String itemKind = kind.equals("List") ? null : kind.substring(0, kind.length() - 4);
        String apiVersion = string(object, "apiVersion");
        for (Item<T> item : items) {
            switch (item) {
                case Item.Decoded<T> d -> sink.accept(d.value());
                case Item.Waiting<T> w -> {
                    if (itemKind != null) w.object().addProperty("kind", itemKind);
                    if (itemKind != null && !w.object().has("apiVersion") && apiVersion != null) w.object().addProperty("apiVersion", apiVersion);
                    sink.accept(decode.apply(new SourceDocument(w.object(), w.location())));
                }
                case Item.NotAnObject<T> n -> problems.add(new Problem("", file + ":" + n.line(), "a " + kind + " item is not an object: skipped"));
            }
        }
    }

    /** The items of a list, each decoded as soon as it is read when it names its own kind. */
    private static <T> List<Item<T>> streamItems(Events events, String file, Function<SourceDocument, T> decode, List<Problem> problems) {
        List<Item<T>> out = new ArrayList<>();
        events.next(); // the sequence's start
        while (!(events.peek() instanceof SequenceEndEvent)) {
            Event start = events.peek();
            int line = line(start.getStartMark());
            if (!(start instanceof MappingStartEvent)) {
                events.skipNode();
                out.add(new Item.NotAnObject<>(line));
                continue;
            }
            int depth = events.depth;
            try {
                JsonObject item = value(events, 2).getAsJsonObject();
                String location = file + ":" + line;
                out.add(item.has("kind") ? new Item.Decoded<>(decode.apply(new SourceDocument(item, location))) : new Item.Waiting<>(item, location));
            } catch (BadObject e) {
                events.skipTo(depth);
                problems.add(new Problem("", file + ":" + e.line, e.getMessage() + ": the object starting at line " + line + " is skipped"));
            }
        }
        events.next(); // the sequence's end
        return out;
    }

    private static String key(Events events, int depth) {
        JsonElement key = value(events, depth + 1);
        return key.isJsonPrimitive() ? key.getAsString() : String.valueOf(key);
    }

    /** The node starting at the next event, as JSON. */
    private static JsonElement value(Events events, int depth) {
        Event e = events.next();
        if (depth > MAX_DEPTH) throw new BadObject(line(e.getStartMark()), "nesting deeper than " + MAX_DEPTH + " levels");
        return switch (e) {
            case ScalarEvent s -> events.anchor(s, scalar(s));
            case AliasEvent a -> {
                JsonElement anchored = events.anchors.get(a.getAnchor());
                if (anchored == null) throw new BadObject(line(a.getStartMark()), "unknown alias *" + a.getAnchor());
                if (++events.aliases > MAX_ALIASES) throw new BadObject(line(a.getStartMark()), "more than " + MAX_ALIASES + " aliases");
                yield anchored.deepCopy();
            }
            case MappingStartEvent m -> {
                JsonObject o = new JsonObject();
                while (!(events.peek() instanceof MappingEndEvent)) {
                    Event keyEvent = events.peek();
                    String key = key(events, depth);
                    if (o.has(key)) throw new BadObject(line(keyEvent.getStartMark()), "duplicate key " + key);
                    o.add(key, value(events, depth + 1));
                }
                events.next();
                yield events.anchor(m, o);
            }
            case SequenceStartEvent s -> {
                JsonArray a = new JsonArray();
                while (!(events.peek() instanceof SequenceEndEvent)) a.add(value(events, depth + 1));
                events.next();
                yield events.anchor(s, a);
            }
            default -> throw new IllegalStateException("unexpected " + e.getEventId() + " at line " + line(e.getStartMark()));
        };
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static int line(Mark mark) {
        return mark == null ? 1 : mark.getLine() + 1;
    }

    /** An object that parsed as YAML but cannot be a Kubernetes object (duplicate keys, absurd nesting). */
    private static final class BadObject extends RuntimeException {
        final int line;

        BadObject(int line, String message) {
            super(message, null, false, false);
            this.line = line;
        }
    }

    /** The parser's events with one of look-ahead, the nesting depth, and the document's anchors. */
    private static final class Events {
        private final Iterator<Event> it;
        private Event peeked;
        /** Open mappings and sequences of the current document. */
        int depth;
        final Map<String, JsonElement> anchors = new HashMap<>();
        int aliases;

        Events(Iterator<Event> it) {
            this.it = it;
        }

        boolean hasNext() {
            return peeked != null || it.hasNext();
        }

        Event peek() {
            if (peeked == null) peeked = it.next();
            return peeked;
        }

        Event next() {
            Event e = peek();
            peeked = null;
            if (e instanceof CollectionStartEvent) depth++;
            else if (e instanceof MappingEndEvent || e instanceof SequenceEndEvent) depth--;
            return e;
        }

        JsonElement anchor(NodeEvent e, JsonElement value) {
            if (e.getAnchor() != null) anchors.put(e.getAnchor(), value);
            return value;
        }

        /** Skips the node starting at the next event. */
        void skipNode() {
            int at = depth;
            next();
            skipTo(at);
        }

        /** Skips events until the nesting is back at {@code target} (the rest of a node being read). */
        void skipTo(int target) {
            while (depth > target) next();
        }
    }

    private static JsonElement scalar(ScalarEvent s) {
        String v = s.getValue();
        Tag tag = s.getTag() == null || s.getTag().equals("!")
                ? RESOLVER.resolve(NodeId.scalar, v, s.getImplicit().canOmitTagInPlainScalar())
                : new Tag(s.getTag());
        try {
            if (tag.equals(Tag.NULL)) return JsonNull.INSTANCE;
            if (tag.equals(Tag.BOOL)) return new JsonPrimitive(v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on"));
            if (tag.equals(Tag.INT)) return new JsonPrimitive(new BigInteger(v.replace("_", "")));
            if (tag.equals(Tag.FLOAT)) return new JsonPrimitive(new BigDecimal(v.replace("_", "")));
        } catch (NumberFormatException e) {
            // 0x1F, 0o17, .inf and friends stay strings; the decoder reports them where a number is needed
        }
        return new JsonPrimitive(v);
    }
}
