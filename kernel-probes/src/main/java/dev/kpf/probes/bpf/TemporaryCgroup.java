package dev.kpf.probes.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cgroup v2 directory created for a probe or a test and removed again on {@link #close()}. It must be empty of
 * processes by then; the kernel refuses to remove a populated cgroup and the error says so.
 */
public final class TemporaryCgroup implements AutoCloseable {
    private final Path path;
    private boolean removed;

    private TemporaryCgroup(Path path) {
        this.path = path;
    }

    /** Creates {@code <cgroup2 mount>/<name>}; {@code name} should be unique (include the pid). */
    public static TemporaryCgroup create(String name) {
        Path mount = Cgroup2Mount.find().orElseThrow(() -> new BpfException("create cgroup", name, Errno.ENOENT,
                "no cgroup2 mount in /proc/mounts", "mount the cgroup v2 hierarchy (mount -t cgroup2 none /sys/fs/cgroup/unified)", null));
        Path dir = mount.resolve(name);
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("create cgroup " + dir + ": " + e.getMessage(), e);
        }
        return new TemporaryCgroup(dir);
    }

    public Path path() {
        return path;
    }

    /** Moves a process (e.g. a child the test started) into this cgroup. */
    public void addProcess(long pid) {
        try {
            Files.writeString(path.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("add pid " + pid + " to cgroup " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (removed) return;
        try {
            Files.deleteIfExists(path);
            removed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("remove cgroup " + path + " (is a process still in it?): " + e.getMessage(), e);
        }
    }
}
