package dev.kpf.probes.probe;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the host fixture trees in testdata/hosts. */
final class Fixtures {
    private Fixtures() {}

    static HostRoot host(String name) {
        String repo = System.getProperty("kpf.repoRoot", "..");
        Path dir = Path.of(repo, "testdata", "hosts", name).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("no fixture tree " + dir);
        return new HostRoot(dir);
    }
}
