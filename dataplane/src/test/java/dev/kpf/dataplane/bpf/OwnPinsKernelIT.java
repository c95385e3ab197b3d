package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: {@code kpf agent --cleanup} removes kpf's own pins, by name, and nothing else: another tool's pins beside
 * and inside kpf's directories stay (and are named), a plain directory and the BPF filesystem's root are refused
 * before anything is touched, and --dry-run says what would go without removing it.
 */
class OwnPinsKernelIT {
    private static void pinForeignMap(Path at) {
        try (BpfMap<Integer, Integer> m = BpfMap.create(1, "other_tool", 4, MapCodec.u32(), MapCodec.u32())) {
            m.pin(at);
        }
    }

    /** Removes {@code root} and everything under it, if there (what a test pinned, also when it failed midway). */
    static void removeTree(Path root) throws Exception {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void cleanup_takes_kpfs_pins_and_leaves_another_tools_beside_them() throws Exception {
        KernelRequirement.requireBpf();
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-ownpins-" + pid));
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-ownpins-" + pid)) {
            BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of())).close(); // kpf's real pins, left in place
            assertTrue(Files.exists(pins.path(MapLayout.SVC4)) && Files.exists(pins.path(MapLayout.LINKS + "/connect4")));
            Path besideMaps = pins.root().resolve("other_tool_map");
            Path inLinks = pins.root().resolve("links/other_tool_link");
            Path ownDirectory = pins.root().resolve("cilium/calls");
            Files.createDirectories(ownDirectory.getParent());
            for (Path p : List.of(besideMaps, inLinks, ownDirectory)) pinForeignMap(p);

            List<String> plan = BpfDatapath.cleanupPlan(pins);
            assertTrue(plan.contains("would remove " + pins.path(MapLayout.SVC4)), plan.toString());
            assertTrue(plan.contains("would remove " + pins.path("links/connect4") + " (detaching its link)"), plan.toString());
            for (Path p : List.of(besideMaps, inLinks, pins.root().resolve("cilium"))) assertTrue(plan.contains("would leave (not kpf's): " + p), plan.toString());
            assertTrue(Files.exists(pins.path(MapLayout.SVC4)), "a dry run removes nothing");

            List<String> said = BpfDatapath.cleanup(pins);
            for (String map : MapLayout.MAPS) assertFalse(Files.exists(pins.path(map)), map + " removed");
            assertFalse(Files.exists(pins.path("links/connect4")), "kpf's link pins removed");
            for (Path p : List.of(besideMaps, inLinks, ownDirectory)) {
                assertTrue(Files.exists(p), p + " is not kpf's: it stays");
                assertTrue(said.stream().anyMatch(l -> l.startsWith("left in place (not kpf's): ") && p.startsWith(l.substring(l.indexOf(": ") + 2))),
                        "named as left: " + p + " in " + said);
            }
            assertTrue(said.contains("link connect4 (detached)"), said.toString());
            assertTrue(Files.isDirectory(pins.path(MapLayout.LINKS)), "links/ holds another tool's pin: it stays");
        } finally {
            removeTree(pins.root());
        }
    }

    @Test
    void a_plain_directory_and_the_bpf_filesystems_root_are_refused_before_anything_is_touched(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(MapLayout.SVC4), "named like a kpf pin, but a plain file");
        Files.writeString(dir.resolve("notes.txt"), "someone's notes");
        DatapathException plain = assertThrows(DatapathException.class, () -> BpfDatapath.cleanup(new PinDirectory(dir)));
        assertTrue(plain.getMessage().contains("is not a directory on a BPF filesystem") && plain.getMessage().endsWith("nothing was removed"),
                plain.getMessage());
        assertTrue(Files.exists(dir.resolve(MapLayout.SVC4)) && Files.exists(dir.resolve("notes.txt")));

        Path bpffs = Path.of("/sys/fs/bpf");
        if (!Files.isDirectory(bpffs)) return;
        List<Path> before;
        try (Stream<Path> s = Files.list(bpffs)) {
            before = s.sorted().toList();
        }
        DatapathException root = assertThrows(DatapathException.class, () -> BpfDatapath.cleanup(new PinDirectory(bpffs)));
        assertTrue(root.getMessage().contains("nothing was removed"), root.getMessage());
        try (Stream<Path> s = Files.list(bpffs)) {
            assertEquals(before, s.sorted().toList(), "the shared bpffs root is untouched");
        }
    }
}
