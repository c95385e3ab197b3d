package dev.kpf.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden files under testdata/golden. A mismatch fails with both texts; run with -Dkpf.updateGolden=true to
 * rewrite them deliberately (then review the diff in git).
 */
public final class Golden {
    private Golden() {}

    public static Path dir() {
        return Path.of(System.getProperty("kpf.repoRoot", ".."), "testdata", "golden");
    }

    public static Path fixture(String host) {
        return Path.of(System.getProperty("kpf.repoRoot", ".."), "testdata", "hosts", host).toAbsolutePath().normalize();
    }

    public static void assertMatches(String name, String actual) throws IOException {
        Path file = dir().resolve(name);
        if (Boolean.getBoolean("kpf.updateGolden")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual);
            return;
        }
        if (!Files.exists(file)) {
            throw new AssertionError("golden file " + file + " is missing; create it with -Dkpf.updateGolden=true. Actual:\n" + actual);
        }
        assertEquals(Files.readString(file), actual, "output differs from " + file + " (rewrite with -Dkpf.updateGolden=true)");
    }
}
