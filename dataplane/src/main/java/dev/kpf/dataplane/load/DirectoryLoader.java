package dev.kpf.dataplane.load;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a directory (or one file) of YAML/JSON Kubernetes objects into a ClusterState: files ending in .yaml, .yml
 * or .json, in name order, up to 8 levels deep. Duplicates keep the first and are reported with both locations.
 */
public final class DirectoryLoader {
    private static final long MAX_FILE_BYTES = 64L << 20;

    private DirectoryLoader() {}

    public static ClusterState load(Path path) {
        List<Problem> problems = new ArrayList<>();
        List<SourceDocument> docs = documents(path, problems);
        return decode(docs, problems);
    }

    /** Every object in the files under {@code path}, with its file:line; what cannot be read goes to problems. */
    public static List<SourceDocument> documents(Path path, List<Problem> problems) {
        List<SourceDocument> docs = new ArrayList<>();
        for (Path file : files(path, problems)) {
            String name = path.equals(file) ? file.getFileName().toString() : path.relativize(file).toString();
            try {
                if (Files.size(file) > MAX_FILE_BYTES) {
                    problems.add(new Problem("", name, "larger than 64 MiB: skipped"));
                    continue;
                }
                YamlDocuments.Parsed parsed = YamlDocuments.parse(Files.readString(file, StandardCharsets.UTF_8), name);
                docs.addAll(parsed.documents());
                problems.addAll(parsed.problems());
            } catch (IOException | java.io.UncheckedIOException e) {
                problems.add(new Problem("", name, "unreadable (" + e.getMessage() + "): skipped"));
            }
        }
        return docs;
    }

    /** Decodes documents into a state; shared by every source that reads objects as JSON trees. */
    public static ClusterState decode(List<SourceDocument> docs, List<Problem> problems) {
        ObjectDecoder decoder = new ObjectDecoder();
        Map<ObjectRef, Service> services = new LinkedHashMap<>();
        Map<ObjectRef, EndpointSlice> slices = new LinkedHashMap<>();
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, String> seenAt = new LinkedHashMap<>();
        for (SourceDocument doc : docs) {
            ObjectDecoder.Decoded d = decoder.decode(doc);
            String key = switch (d) {
                case ObjectDecoder.Decoded.AService s -> s.service().ref().toString();
                case ObjectDecoder.Decoded.ASlice s -> s.slice().ref().toString();
                case ObjectDecoder.Decoded.ANode n -> "Node " + n.node().name();
                default -> null;
            };
            if (key == null) continue;
            String first = seenAt.putIfAbsent(key, doc.location());
            if (first != null) {
                problems.add(new Problem(key, doc.location(), "duplicate of the object at " + first + ": skipped"));
                continue;
            }
            switch (d) {
                case ObjectDecoder.Decoded.AService s -> services.put(s.service().ref(), s.service());
                case ObjectDecoder.Decoded.ASlice s -> slices.put(s.slice().ref(), s.slice());
                case ObjectDecoder.Decoded.ANode n -> nodes.put(n.node().name(), n.node());
                default -> { }
            }
        }
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(decoder.problems());
        all.sort(BY_LOCATION);
        return ClusterState.of(services.values(), slices.values(), nodes.values(), all);
    }

    /** file:line locations in file order, then line order (stable for problems of one line). */
    static final java.util.Comparator<Problem> BY_LOCATION = java.util.Comparator
            .comparing((Problem p) -> p.location().replaceAll(":\\d+$", ""))
            .thenComparingInt(p -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+)$").matcher(p.location());
                return m.find() ? Integer.parseInt(m.group(1)) : 0;
            });

    /** The YAML/JSON files under {@code path} (or the file itself), in name order. */
    public static List<Path> files(Path path, List<Problem> problems) {
        if (Files.isRegularFile(path)) return List.of(path);
        if (!Files.isDirectory(path)) {
            problems.add(new Problem("", path.toString(), "no such file or directory"));
            return List.of();
        }
        try (Stream<Path> s = Files.walk(path, 8)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json")) && !n.startsWith(".");
                    })
                    .sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            problems.add(new Problem("", path.toString(), "cannot list directory: " + e.getMessage()));
            return List.of();
        }
    }
}
