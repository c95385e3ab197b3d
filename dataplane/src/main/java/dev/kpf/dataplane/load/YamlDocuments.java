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
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits YAML or JSON text (one object, several {@code ---} documents, {@code kind: List} or typed lists such as
 * {@code ServiceList}, {@code kubectl get -o yaml} dumps) into objects, each with the line it starts on. Malformed
 * text is reported with its line; the documents before the error are kept.
 */
public final class YamlDocuments {
    private YamlDocuments() {}

    private static final int MAX_DEPTH = 64;

    public record Parsed(List<SourceDocument> documents, List<Problem> problems) {}

    public static Parsed parse(String text, String file) {
        List<SourceDocument> docs = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);
        // a `kubectl get -o yaml` dump of a large cluster is tens of megabytes (SnakeYAML's default stops at 3 MB)
        options.setCodePointLimit(256 << 20);
        Yaml yaml = new Yaml(options);
        try {
            for (Node node : yaml.composeAll(new StringReader(text))) {
                if (node == null) continue;
                int line = line(node.getStartMark());
                if (!(node instanceof MappingNode map)) {
                    problems.add(new Problem("", file + ":" + line, "expected a Kubernetes object (a mapping), found "
                            + node.getNodeId() + ": skipped"));
                    continue;
                }
                try {
                    addObject(map, file, docs, problems);
                } catch (BadObject e) {
                    problems.add(new Problem("", file + ":" + e.line, e.getMessage() + ": the object starting at line " + line + " is skipped"));
                }
            }
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(new Problem("", file + ":" + (m == null ? 1 : line(m)), "malformed YAML/JSON: "
                    + (e.getProblem() == null ? e.getMessage() : e.getProblem()) + "; the rest of the file is skipped"));
        } catch (YAMLException | IllegalStateException e) {
            problems.add(new Problem("", file, "malformed YAML/JSON: " + e.getMessage() + "; the rest of the file is skipped"));
        }
        return new Parsed(docs, problems);
    }

    private static void addObject(MappingNode map, String file, List<SourceDocument> docs, List<Problem> problems) {
        String kind = scalar(map, "kind");
        SequenceNode items = map.getValue().stream()
                .filter(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("items") && t.getValueNode() instanceof SequenceNode)
                .map(t -> (SequenceNode) t.getValueNode()).findFirst().orElse(null);
        if (kind != null && kind.endsWith("List") && items != null) {
            String itemKind = kind.equals("List") ? null : kind.substring(0, kind.length() - 4);
            String apiVersion = scalar(map, "apiVersion");
            for (Node item : items.getValue()) {
                int line = line(item.getStartMark());
                if (!(item instanceof MappingNode m)) {
                    problems.add(new Problem("", file + ":" + line, "a " + kind + " item is not an object: skipped"));
                    continue;
                }
                JsonObject o = toJson(m, 0).getAsJsonObject();
                if (itemKind != null && !o.has("kind")) o.addProperty("kind", itemKind);
                if (itemKind != null && !o.has("apiVersion") && apiVersion != null) o.addProperty("apiVersion", apiVersion);
                docs.add(new SourceDocument(o, file + ":" + line));
            }
            return;
        }
        docs.add(new SourceDocument(toJson(map, 0).getAsJsonObject(), file + ":" + line(map.getStartMark())));
    }

    private static String scalar(MappingNode map, String key) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key) && t.getValueNode() instanceof ScalarNode v) {
                return v.getValue();
            }
        }
        return null;
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

    static JsonElement toJson(Node node, int depth) {
        if (depth > MAX_DEPTH) throw new BadObject(line(node.getStartMark()), "nesting deeper than " + MAX_DEPTH + " levels");
        return switch (node) {
            case MappingNode m -> {
                JsonObject o = new JsonObject();
                for (NodeTuple t : m.getValue()) {
                    String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(toJson(t.getKeyNode(), depth + 1));
                    if (o.has(key)) throw new BadObject(line(t.getKeyNode().getStartMark()), "duplicate key " + key);
                    o.add(key, toJson(t.getValueNode(), depth + 1));
                }
                yield o;
            }
            case SequenceNode s -> {
                JsonArray a = new JsonArray();
                for (Node n : s.getValue()) a.add(toJson(n, depth + 1));
                yield a;
            }
            case ScalarNode s -> scalarJson(s);
            default -> JsonNull.INSTANCE;
        };
    }

    private static JsonElement scalarJson(ScalarNode s) {
        Tag tag = s.getTag();
        String v = s.getValue();
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
