package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An exclusive {@code flock} on a directory (a pin directory on bpffs works like any other): serialises short
 * read-modify-write steps of several processes on shared pinned state. The kernel drops the lock when the holder
 * closes it or dies.
 */
public final class DirectoryLock implements AutoCloseable {
    private final OwnedFd fd;

    private DirectoryLock(OwnedFd fd) {
        this.fd = fd;
    }

    /** Waits for and takes the lock on {@code dir}. */
    public static DirectoryLock exclusive(Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int raw = libc_h.open(state, arena.allocateFrom(dir.toString()), libc_h.O_RDONLY | libc_h.O_DIRECTORY | libc_h.O_CLOEXEC);
            if (raw < 0) throw Native.error("open directory to lock", dir.toString(), dev.kpf.probes.libbpf.libbpf_h.errno(state), null);
            OwnedFd fd = new OwnedFd(raw, "lock " + dir);
            if (libc_h.flock(state, raw, libc_h.LOCK_EX) < 0) {
                int errno = dev.kpf.probes.libbpf.libbpf_h.errno(state);
                fd.close();
                throw Native.error("lock directory", dir.toString(), errno, null);
            }
            return new DirectoryLock(fd);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
