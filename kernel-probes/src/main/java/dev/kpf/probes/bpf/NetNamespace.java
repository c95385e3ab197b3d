package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;
import dev.kpf.probes.libbpf.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kpf.probes.bpf.Native.callState;

/**
 * Runs work inside a network namespace (a file such as /run/netns/NAME) on a thread of its own: setns(2) moves only
 * the calling thread, so the rest of the process stays where it is. Interface names and indexes, and tcx links
 * created there, belong to that namespace. A null namespace runs the work here, in the current one.
 */
public final class NetNamespace {
    private NetNamespace() {}

    public static <T> T call(Path namespace, Callable<T> work) {
        if (namespace == null) return run(work);
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("kpf-netns").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = callState(arena);
                int fd = libc_h.open(state, arena.allocateFrom(namespace.toString()), libc_h.O_RDONLY | libc_h.O_CLOEXEC);
                if (fd < 0) throw Native.error("open network namespace", namespace.toString(), libbpf_h.errno(state), null);
                try {
                    if (libc_h.setns(state, fd, libc_h.CLONE_NEWNET) < 0) {
                        throw Native.error("enter network namespace", namespace.toString(), libbpf_h.errno(state), null);
                    }
                } finally {
                    libc_h.close(callState(arena), fd);
                }
                result.set(run(work));
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while working in " + namespace, e);
        }
        if (failure.get() != null) throw failure.get();
        return result.get();
    }

    /** The index of interface {@code name} in the calling thread's network namespace. */
    public static int interfaceIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int index = libc_h.if_nametoindex(state, arena.allocateFrom(name));
            if (index == 0) throw Native.error("find network interface", name, libbpf_h.errno(state), null);
            return index;
        }
    }

    private static <T> T run(Callable<T> work) {
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
