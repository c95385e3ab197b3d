package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.model.ClusterState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every kube-proxy rule has a fixture cluster in testdata/clusters/RULE (YAML, read like `kpf services --source
 * dir:`) and the table it must translate to for node-a in expected.txt. A mismatch prints the lines that differ.
 * Rewrite deliberately with -Dkpf.updateGolden=true and review the diff.
 */
class TranslatorGoldenTest {
    static final String NODE = "node-a";

    static Path clusters() {
        return Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters").toAbsolutePath().normalize();
    }

    static Stream<String> rules() throws IOException {
        try (Stream<Path> s = Files.list(clusters())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void fixture_cluster_translates_to_its_expected_table(String rule) throws IOException {
        Path dir = clusters().resolve(rule);
        ClusterState state = DirectoryLoader.load(dir);
        List<String> actual = new ServiceTranslator(NODE).translate(state).dump();
        Path expectedFile = dir.resolve("expected.txt");
        if (Boolean.getBoolean("kpf.updateGolden")) {
            Files.writeString(expectedFile, String.join("\n", actual) + "\n");
            return;
        }
        if (!Files.exists(expectedFile)) fail("missing " + expectedFile + "; create it with -Dkpf.updateGolden=true");
        List<String> expected = Files.readAllLines(expectedFile);
        if (!expected.equals(actual)) fail(rule + ": table differs from expected.txt\n" + lineDiff(expected, actual));
    }

    /** Lines only in expected ({@code -}) and only in actual ({@code +}), then both in full if only the order differs. */
    static String lineDiff(List<String> expected, List<String> actual) {
        Set<String> e = new LinkedHashSet<>(expected), a = new LinkedHashSet<>(actual);
        List<String> out = new ArrayList<>();
        expected.stream().filter(l -> !a.contains(l)).forEach(l -> out.add("- " + l));
        actual.stream().filter(l -> !e.contains(l)).forEach(l -> out.add("+ " + l));
        if (out.isEmpty()) {
            out.add("same lines, different order; expected:");
            expected.forEach(l -> out.add("  " + l));
            out.add("actual:");
            actual.forEach(l -> out.add("  " + l));
        }
        return String.join("\n", out);
    }
}
