package dev.kpf.probes.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The file-system root probes read from: {@code /} on a live node, a fixture tree in tests ({@code kpf probe --root}).
 * Every read answers with its content, "missing" or "unreadable" with the reason; it never throws.
 */
public record HostRoot(Path root) {
    /** At most this much is read from any one file; probe inputs are small. */
    private static final int LIMIT = 4 << 20;

    public static HostRoot live() {
        return new HostRoot(Path.of("/"));
    }

    public boolean isLive() {
        return root.toAbsolutePath().normalize().equals(Path.of("/"));
    }

    public Path resolve(String absolute) {
        return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
    }

    public boolean exists(String absolute) {
        return Files.exists(resolve(absolute));
    }

    /** Reads a text file (a {@code .gz} one is decompressed). */
    public FileRead read(String absolute) {
        Path p = resolve(absolute);
        try (InputStream raw = Files.newInputStream(p);
             InputStream in = absolute.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0 && out.size() < LIMIT) out.write(buf, 0, n);
            return new FileRead.Content(absolute, out.toString(StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new FileRead.Missing(absolute);
        } catch (AccessDeniedException e) {
            return new FileRead.Unreadable(absolute, "permission denied");
        } catch (IOException | RuntimeException e) {
            return new FileRead.Unreadable(absolute, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** What reading one file gave. */
    public sealed interface FileRead {
        String path();

        record Content(String path, String text) implements FileRead {}

        record Missing(String path) implements FileRead {}

        record Unreadable(String path, String reason) implements FileRead {}

        default String describeFailure() {
            return switch (this) {
                case Content c -> "";
                case Missing m -> m.path() + " does not exist";
                case Unreadable u -> u.path() + " is unreadable (" + u.reason() + ")";
            };
        }
    }
}
