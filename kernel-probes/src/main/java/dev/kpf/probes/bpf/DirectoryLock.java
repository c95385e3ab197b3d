package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;
import dev.kpf.probes.libbpf.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A {@code flock} on a directory (a directory on bpffs works like any other): exclusive to serialise short
 * read-modify-write steps of several processes on shared pinned state, shared to say "I am alive" for as long as it
 * is held. The kernel drops the lock when the holder closes it or dies, in whatever pid namespace it ran.
 */
public final class DirectoryLock implements AutoCloseable {
    private final OwnedFd fd;

    private DirectoryLock(OwnedFd fd) {
        this.fd = fd;
    }

    /** Waits for and takes the exclusive lock on {@code dir}. */
    public static DirectoryLock exclusive(Path dir) {
        return lock(dir, libc_h.LOCK_EX).orElseThrow();
    }

    /** Waits for and takes a shared lock on {@code dir}. */
    public static DirectoryLock shared(Path dir) {
        return lock(dir, libc_h.LOCK_SH).orElseThrow();
    }

    /** The exclusive lock if no one holds any lock on {@code dir} now; empty otherwise. */
    public static Optional<DirectoryLock> tryExclusive(Path dir) {
        return lock(dir, libc_h.LOCK_EX | libc_h.LOCK_NB);
    }

    private static Optional<DirectoryLock> lock(Path dir, int operation) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int raw = libc_h.open(state, arena.allocateFrom(dir.toString()), libc_h.O_RDONLY | libc_h.O_DIRECTORY | libc_h.O_CLOEXEC);
            if (raw < 0) throw Native.error("open directory to lock", dir.toString(), libbpf_h.errno(state), null);
            OwnedFd fd = new OwnedFd(raw, "lock " + dir);
            if (libc_h.flock(state, raw, operation) < 0) {
                int errno = libbpf_h.errno(state);
                fd.close();
                if (errno == Errno.EAGAIN && (operation & libc_h.LOCK_NB) != 0) return Optional.empty();
                throw Native.error("lock directory", dir.toString(), errno, null);
            }
            return Optional.of(new DirectoryLock(fd));
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
