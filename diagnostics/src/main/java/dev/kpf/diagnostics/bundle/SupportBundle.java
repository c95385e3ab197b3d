package dev.kpf.diagnostics.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A support bundle being assembled: text files, each redacted ({@link Redactor}) as it is added, and what could not
 * be collected with the reason. {@link #write} puts them in a .tar.gz under one directory with a MANIFEST.txt that
 * lists both.
 */
public final class SupportBundle {
    /** One file of the bundle, already redacted. */
    public record Entry(String name, String text) {}

    /** Something the bundle should hold but could not collect, and why. */
    public record Missing(String name, String reason) {}

    /** What was written. */
    public record Written(Path file, List<Entry> entries, List<Missing> missing) {}

    private static final int MAX_CHARS = 32 << 20;
    private final String directory;
    private final Instant created;
    private final List<Entry> entries = new ArrayList<>();
    private final List<Missing> missing = new ArrayList<>();

    public SupportBundle(String directory, Instant created) {
        if (!directory.matches("[A-Za-z0-9._-]{1,60}")) throw new IllegalArgumentException("bundle directory name: " + directory);
        this.directory = directory;
        this.created = created;
    }

    public SupportBundle add(String name, String text) {
        if (!name.matches("[A-Za-z0-9._/-]{1,60}") || name.contains("..")) throw new IllegalArgumentException("bundle entry name: " + name);
        String bounded = text.length() > MAX_CHARS ? text.substring(text.length() - MAX_CHARS) : text;
        entries.add(new Entry(name, Redactor.redact(bounded)));
        return this;
    }

    public SupportBundle missing(String name, String reason) {
        missing.add(new Missing(name, Redactor.redact(reason)));
        return this;
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public List<Missing> missingEntries() {
        return List.copyOf(missing);
    }

    /** Writes the archive next to {@code target} and moves it into place, so a failed write leaves no half file. */
    public Written write(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(parent, ".kpf-bundle", ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(temp);
                 TarGzWriter tar = new TarGzWriter(file, created.getEpochSecond())) {
                tar.add(directory + "/MANIFEST.txt", manifest().getBytes(StandardCharsets.UTF_8));
                for (Entry e : entries) tar.add(directory + "/" + e.name(), e.text().getBytes(StandardCharsets.UTF_8));
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        return new Written(target, entries(), missingEntries());
    }

    String manifest() {
        StringBuilder b = new StringBuilder();
        b.append("kpf support bundle, created ").append(created).append("\n\n");
        b.append("Contains:\n");
        for (Entry e : entries) b.append(String.format("  %-32s %d bytes%n", e.name(), e.text().getBytes(StandardCharsets.UTF_8).length));
        b.append("\nCould not collect:\n");
        if (missing.isEmpty()) b.append("  (nothing missing)\n");
        for (Missing m : missing) b.append(String.format("  %-32s %s%n", m.name(), m.reason()));
        b.append("\nRedacted before writing: ").append(String.join("; ", Redactor.rules())).append('\n');
        return b.toString();
    }
}
