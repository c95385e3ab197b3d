package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;
import dev.kpf.probes.libbpf.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** An open cgroup v2 directory: the target BPF cgroup programs attach to. */
public final class Cgroup implements AutoCloseable {
    private final Path path;
    private final OwnedFd fd;

    private Cgroup(Path path, OwnedFd fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Opens a directory of the cgroup v2 hierarchy (see {@link Cgroup2Mount}). */
    public static Cgroup open(Path directory) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = libc_h.open(state, arena.allocateFrom(directory.toString()),
                    libc_h.O_RDONLY | libc_h.O_DIRECTORY | libc_h.O_CLOEXEC);
            if (fd < 0) {
                int errno = libbpf_h.errno(state);
                throw new BpfException("open cgroup", directory.toString(), errno, Native.strerror(errno),
                        "pass a directory of the cgroup v2 hierarchy (type cgroup2 in /proc/mounts)", null);
            }
            return new Cgroup(directory, new OwnedFd(fd, "cgroup " + directory));
        }
    }

    public Path path() {
        return path;
    }

    int fd() {
        return fd.fd();
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "cgroup " + path;
    }
}
