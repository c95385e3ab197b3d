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
        List<Located> objects = new ArrayList<>();
        for (Path file : files(path, problems)) {
            try {
                objects.addAll(read(file, name(path, file), problems));
            } catch (IOException | java.io.UncheckedIOException e) {
                problems.add(new Problem("", name(path, file), "unreadable (" + e.getMessage() + "): skipped"));
            }
        }
        return assemble(objects, problems);
    }

    /** A file's name as problems name it: relative to the directory read. */
    public static String name(Path root, Path file) {
        return root.equals(file) ? file.getFileName().toString() : root.relativize(file).toString();
    }

    /** One Service, EndpointSlice or Node as read from a file, decoded, with the {@code file:line} it starts on. */
    public record Located(ObjectDecoder.Decoded value, String location) {}

    /**
     * Reads one file object by object, decoding each as it is read (the file's JSON is never held whole: what stays
     * is the decoded model); objects of other kinds are dropped, every problem goes to {@code problems}.
     */
    public static List<Located> read(Path file, String name, List<Problem> problems) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            problems.add(new Problem("", name, "larger than 64 MiB: skipped"));
            return List.of();
        }
        ObjectDecoder decoder = new ObjectDecoder();
        List<Located> out = new ArrayList<>();
        try (java.io.Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            problems.addAll(YamlDocuments.stream(in, name, d -> new Located(decoder.decode(d), d.location()), l -> {
                if (l.value() instanceof ObjectDecoder.Decoded.AService || l.value() instanceof ObjectDecoder.Decoded.ASlice
                        || l.value() instanceof ObjectDecoder.Decoded.ANode) out.add(l);
            }));
        } catch (java.nio.charset.MalformedInputException e) {
            problems.add(new Problem("", name, "not UTF-8 text: skipped"));
            return List.of();
        }
        problems.addAll(decoder.problems());
        return out;
    }

    /** Every object in the files under {@code path}, with its file:line; what cannot be read goes to problems. */
    public static List<SourceDocument> documents(Path path, List<Problem> problems) {
        List<SourceDocument> docs = new ArrayList<>();
        for (Path file : files(path, problems)) {
            String name = name(path, file);
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
        List<Located> objects = new ArrayList<>(docs.size());
        for (SourceDocument doc : docs) objects.add(new Located(decoder.decode(doc), doc.location()));
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(decoder.problems());
        return assemble(objects, all);
    }

    /** The state of decoded objects: duplicates keep the first and are reported with both locations. */
    public static ClusterState assemble(List<Located> objects, List<Problem> problems) {
        Map<ObjectRef, Service> services = new LinkedHashMap<>();
        Map<ObjectRef, EndpointSlice> slices = new LinkedHashMap<>();
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, String> seenAt = new java.util.HashMap<>();
        List<Problem> all = new ArrayList<>(problems);
        for (Located l : objects) {
            String key = switch (l.value()) {
                case ObjectDecoder.Decoded.AService s -> s.service().ref().toString();
                case ObjectDecoder.Decoded.ASlice s -> s.slice().ref().toString();
                case ObjectDecoder.Decoded.ANode n -> "Node " + n.node().name();
                default -> null;
            };
            if (key == null) continue;
            String first = seenAt.putIfAbsent(key, l.location());
            if (first != null) {
                all.add(new Problem(key, l.location(), "duplicate of the object at " + first + ": skipped"));
                continue;
            }
            switch (l.value()) {
                case ObjectDecoder.Decoded.AService s -> services.put(s.service().ref(), s.service());
                case ObjectDecoder.Decoded.ASlice s -> slices.put(s.slice().ref(), s.slice());
                case ObjectDecoder.Decoded.ANode n -> nodes.put(n.node().name(), n.node());
                default -> { }
            }
        }
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
