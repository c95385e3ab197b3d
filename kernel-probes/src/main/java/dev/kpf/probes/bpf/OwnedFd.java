package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libc_h;

import java.lang.foreign.Arena;

/** A file descriptor this process owns and closes exactly once. */
public final class OwnedFd implements AutoCloseable {
    private final int fd;
    private final String what;
    private boolean closed;

    OwnedFd(int fd, String what) {
        if (fd < 0) throw new IllegalArgumentException("negative fd for " + what);
        this.fd = fd;
        this.what = what;
    }

    /** The raw descriptor, valid until {@link #close()}. */
    public int fd() {
        if (closed) throw new IllegalStateException(what + " is closed");
        return fd;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena arena = Arena.ofConfined()) {
            libc_h.close(Native.callState(arena), fd);
        }
    }

    @Override
    public String toString() {
        return what + "(fd " + fd + (closed ? ", closed)" : ")");
    }
}
