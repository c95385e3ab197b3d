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
 * A support bundle being assembled: text files, each redacted ({@link Redactor}) as it is added (the whole text,
 * before anything is cut, so a credential cut in half is never half left), and what could not be collected with the
 * reason. The bundle is bounded: a file keeps its last {@link #MAX_ENTRY_BYTES} bytes, and once the bundle holds
 * {@link #MAX_TOTAL_BYTES} further files are left out; the manifest names what was cut and by how much.
 * {@link #write} puts them in a .tar.gz under one directory with a MANIFEST.txt that lists all of it.
 */
public final class SupportBundle {
    /** One file of the bundle, already redacted. */
    public record Entry(String name, String text) {}

    /** Something the bundle should hold but could not collect, and why. */
    public record Missing(String name, String reason) {}

    /** What was written. */
    public record Written(Path file, List<Entry> entries, List<Missing> missing) {}

    /** A file that was cut to fit: how large it was, and how much of it (its end) is in the bundle. */
    public record Cut(String name, long originalBytes, long keptBytes) {}

    /** Per file: logs and dumps keep their most recent part. */
    public static final int MAX_ENTRY_BYTES = 8 << 20;
    /** The whole bundle (before compression), so that it can be mailed and attached to a ticket. */
    public static final long MAX_TOTAL_BYTES = 48L << 20;
    /** Text read before a file's kept part, so a credential that starts there is still recognised when redacting. */
    private static final int CONTEXT_CHARS = 1 << 20;
    private final List<Cut> cuts = new ArrayList<>();
    private final int maxEntryBytes;
    private final long maxTotalBytes;
    private long totalBytes;
    private final String directory;
    private final Instant created;
    private final List<Entry> entries = new ArrayList<>();
    private final List<Missing> missing = new ArrayList<>();

    public SupportBundle(String directory, Instant created) {
        this(directory, created, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES);
    }

    /** With other bounds (tests). */
    SupportBundle(String directory, Instant created, int maxEntryBytes, long maxTotalBytes) {
        this.maxEntryBytes = maxEntryBytes;
        this.maxTotalBytes = maxTotalBytes;
        if (!directory.matches("[A-Za-z0-9._-]{1,255}")) throw new IllegalArgumentException("bundle directory name: " + directory);
        this.directory = directory;
        this.created = created;
    }

    public SupportBundle add(String name, String text) {
        if (!name.matches("[A-Za-z0-9._/-]{1,255}") || name.contains("..")) throw new IllegalArgumentException("bundle entry name: " + name);
        long room = Math.max(0, Math.min(maxEntryBytes, maxTotalBytes - totalBytes));
        if (room == 0) {
            cuts.add(new Cut(name, text.getBytes(StandardCharsets.UTF_8).length, 0));
            return this;
        }
        // redact first, then cut: a cut made before redacting could split a credential from what identifies it. Only
        // the part that can be kept is redacted, with a megabyte of what precedes it as context.
        String window = text.length() > room + CONTEXT_CHARS ? text.substring((int) (text.length() - room - CONTEXT_CHARS)) : text;
        byte[] redacted = Redactor.redact(window).getBytes(StandardCharsets.UTF_8);
        long original = window == text ? redacted.length : text.getBytes(StandardCharsets.UTF_8).length;
        byte[] kept = redacted;
        if (redacted.length > room) {
            int from = redacted.length - (int) room;
            while (from < redacted.length && (redacted[from] & 0xc0) == 0x80) from++; // never half a character
            kept = java.util.Arrays.copyOfRange(redacted, from, redacted.length);
            cuts.add(new Cut(name, original, kept.length));
        }
        totalBytes += kept.length;
        entries.add(new Entry(name, new String(kept, StandardCharsets.UTF_8)));
        return this;
    }

    public List<Cut> cuts() {
        return List.copyOf(cuts);
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
                 TarGzWriter tar = new TarGzWriter(file, created)) {
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
        b.append("\nCut to fit (at most ").append(maxEntryBytes).append(" bytes a file, ").append(maxTotalBytes)
                .append(" bytes in all; a file keeps its end):\n");
        if (cuts.isEmpty()) b.append("  (nothing cut)\n");
        for (Cut c : cuts) {
            b.append(String.format("  %-32s %s%n", c.name(), c.keptBytes() == 0 ? "left out: " + c.originalBytes() + " bytes, the bundle was full"
                    : "kept the last " + c.keptBytes() + " of " + c.originalBytes() + " bytes"));
        }
        b.append("\nRedacted before writing: ").append(String.join("; ", Redactor.rules())).append('\n');
        return b.toString();
    }
}
