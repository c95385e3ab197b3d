package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.PinDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * kpf's own pins, known by name: the maps ({@link MapLayout#MAPS}) at the pin directory's top, its link pins under
 * {@code links/} (the socket hooks by attach type, {@code tc_in_*} and {@code tc_out_*}), the tracers' lock
 * directories under {@code trace_slots/}, and the doctor's self-test lock directory {@code selftest/}. Removal ({@code kpf agent --cleanup}, and a first start that failed) takes
 * exactly these; a directory goes only when nothing else is left in it, so another tool's pins, or files that are no
 * pins at all, stay where they are and are named. It refuses a directory that is not on a BPF filesystem, and the
 * BPF filesystem's own root, which other tools share.
 */
public final class OwnPins {
    private static final Pattern TC_LINK = Pattern.compile("tc_(in|out)_[a-z0-9_]+");
    private static final Pattern SLOT = Pattern.compile("[0-9]{1,3}");
    private static final Set<String> HOOK_LINKS = Set.copyOf(MapLayout.HOOKS.stream().map(MapLayout.Hook::attachType).toList());

    /**
     * What removal would do: the paths to remove, in order (contents before their directory), and what stays
     * because it is not kpf's.
     */
    public record Plan(List<Path> remove, List<Path> foreign) {
        public Plan {
            remove = List.copyOf(remove);
            foreign = List.copyOf(foreign);
        }
    }

    private OwnPins() {}

    /** The removal plan for {@code pins}; nothing is touched. Throws (naming the fix) for a directory kpf must not clean. */
    public static Plan plan(PinDirectory pins) {
        Path root = pins.root();
        if (!Files.exists(root)) return new Plan(List.of(), List.of());
        if (!Files.isDirectory(root) || !onBpffs(root)) {
            throw new DatapathException(root + " is not a directory on a BPF filesystem: kpf's pins live on bpffs (kpf agent --bpffs, default "
                    + PinDirectory.DEFAULT + "); nothing was removed", null);
        }
        if (root.getParent() == null || !onBpffs(root.getParent())) {
            throw new DatapathException(root + " is the root of a BPF filesystem, which other tools pin to as well: kpf pins under a directory of "
                    + "its own (default " + PinDirectory.DEFAULT + "); name that one; nothing was removed", null);
        }
        List<Path> remove = new ArrayList<>();
        List<Path> foreign = new ArrayList<>();
        boolean rootClean = true;
        for (Path entry : entries(root)) {
            String name = entry.getFileName().toString();
            if (name.equals(MapLayout.LINKS) && Files.isDirectory(entry)) {
                rootClean &= directory(entry, n -> HOOK_LINKS.contains(n) || TC_LINK.matcher(n).matches(), false, remove, foreign);
            } else if (name.equals(TRACE_SLOTS) && Files.isDirectory(entry)) {
                rootClean &= directory(entry, n -> SLOT.matcher(n).matches(), true, remove, foreign);
            } else if (name.equals(SELFTEST_LOCK) && Files.isDirectory(entry) && entries(entry).isEmpty()) {
                remove.add(entry);
            } else if (MapLayout.MAPS.contains(name) && !Files.isDirectory(entry)) {
                remove.add(entry);
            } else {
                foreign.add(entry);
                rootClean = false;
            }
        }
        if (rootClean) remove.add(root);
        return new Plan(remove, foreign);
    }

    /** The doctor's datapath self-test takes its lock on this (empty) directory under the pins. */
    public static final String SELFTEST_LOCK = "selftest";

    /** The tracers' lock directories (see {@code TraceControl}). */
    static final String TRACE_SLOTS = "trace_slots";

    /**
     * Plans a sub-directory whose entries are kpf's when {@code ours} takes their name ({@code emptyDirectories}: they
     * are empty directories, else pins); the directory itself goes when everything in it does. Whether it does.
     */
    private static boolean directory(Path dir, java.util.function.Predicate<String> ours, boolean emptyDirectories, List<Path> remove, List<Path> foreign) {
        boolean clean = true;
        for (Path entry : entries(dir)) {
            String name = entry.getFileName().toString();
            boolean isDirectory = Files.isDirectory(entry);
            if (ours.test(name) && isDirectory == emptyDirectories && (!isDirectory || entries(entry).isEmpty())) {
                remove.add(entry);
            } else {
                foreign.add(entry);
                clean = false;
            }
        }
        if (clean) remove.add(dir);
        return clean;
    }

    /** Carries out a plan: returns what was removed. */
    public static List<Path> remove(Plan plan) {
        List<Path> removed = new ArrayList<>();
        for (Path p : plan.remove()) {
            try {
                if (Files.deleteIfExists(p)) removed.add(p);
            } catch (IOException e) {
                throw new UncheckedIOException("remove " + p + ": " + e.getMessage() + " (removed so far: " + removed + ")", e);
            }
        }
        return removed;
    }

    private static List<Path> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean onBpffs(Path p) {
        try {
            return Files.getFileStore(p).type().equals("bpf");
        } catch (IOException e) {
            return false;
        }
    }
}
