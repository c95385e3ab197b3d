package dev.kpf.probes.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The directory on the BPF filesystem where kpf keeps its pins ({@code /sys/fs/bpf/kpf} by default). Pin names are
 * checked here: lower-case letters, digits, {@code _} and {@code /} for sub-directories, each part at most 255 bytes.
 */
public record PinDirectory(Path root) {
    public static final Path DEFAULT = Path.of("/sys/fs/bpf/kpf");
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,255}(/[a-z0-9_]{1,255})*");

    public PinDirectory {
        if (!root.isAbsolute()) throw new IllegalArgumentException("pin directory must be absolute: " + root);
    }

    /** The pin path for {@code name}, e.g. {@code svc4} or {@code links/connect4}. */
    public Path path(String name) {
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("invalid pin name: " + name);
        return root.resolve(name);
    }

    /** Whether the root (or its nearest existing parent) lies on a bpffs mount. */
    public boolean onBpffs() {
        Path p = root;
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null) return false;
        try {
            return Files.getFileStore(p).type().equals("bpf");
        } catch (IOException e) {
            return false;
        }
    }

    /** Every pin below the root, deepest first (the order to remove them in). */
    public List<Path> list() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).sorted(Comparator.comparing(Path::getNameCount).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("list pins under " + root, e);
        }
    }

    /** Removes every pin and sub-directory below the root and the root itself; returns what was removed. */
    public List<Path> removeAll() {
        List<Path> removed = new ArrayList<>();
        for (Path p : list()) {
            try {
                if (Files.deleteIfExists(p)) removed.add(p);
            } catch (IOException e) {
                throw new UncheckedIOException("remove pin " + p + ": " + e.getMessage(), e);
            }
        }
        try {
            if (Files.deleteIfExists(root)) removed.add(root);
        } catch (IOException e) {
            throw new UncheckedIOException("remove pin directory " + root + ": " + e.getMessage(), e);
        }
        return removed;
    }
}
