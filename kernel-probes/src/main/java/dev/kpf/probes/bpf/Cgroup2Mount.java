package dev.kpf.probes.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Finds where the cgroup v2 hierarchy is mounted: {@code /sys/fs/cgroup} (unified) or a hybrid sub-mount. */
public final class Cgroup2Mount {
    private Cgroup2Mount() {}

    /** The cgroup2 mount point listed in {@code mounts} (the text of /proc/mounts), preferring /sys/fs/cgroup. */
    public static Optional<String> fromMounts(String mounts) {
        List<String> points = mounts.lines()
                .map(l -> l.split(" "))
                .filter(f -> f.length >= 3 && f[2].equals("cgroup2"))
                .map(f -> f[1].replace("\\040", " "))
                .toList();
        return points.stream().filter(p -> p.equals("/sys/fs/cgroup")).findFirst()
                .or(() -> points.stream().findFirst());
    }

    /** The live system's cgroup v2 mount point. */
    public static Optional<Path> find() {
        try {
            return fromMounts(Files.readString(Path.of("/proc/mounts"))).map(Path::of);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The directory of the cgroup with id {@code id} (a cgroup v2 id is its directory's inode number), searched
     * breadth-first below the mount; bounded to 50,000 directories.
     */
    public static Optional<Path> findById(long id) {
        Optional<Path> mount = find();
        if (mount.isEmpty() || id == 0) return Optional.empty();
        java.util.ArrayDeque<Path> queue = new java.util.ArrayDeque<>(java.util.List.of(mount.get()));
        int seen = 0;
        while (!queue.isEmpty() && seen++ < 50_000) {
            Path dir = queue.poll();
            try {
                if (ino(dir) == id) return Optional.of(dir);
                try (java.util.stream.Stream<Path> children = Files.list(dir)) {
                    children.filter(Files::isDirectory).forEach(queue::add);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // gone meanwhile, or not readable: skip
            }
        }
        return Optional.empty();
    }

    /** The id of the cgroup at {@code directory}: a cgroup v2 id is its directory's inode number. */
    public static long idOf(Path directory) {
        try {
            return ino(directory);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read the id of cgroup " + directory + ": " + e.getMessage(), e);
        }
    }

    private static long ino(Path directory) throws IOException {
        return ((Number) Files.getAttribute(directory, "unix:ino")).longValue();
    }
}
