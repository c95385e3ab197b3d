package dev.kpf.probes.libbpf;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few C library calls the BPF layer needs next to libbpf: opening a cgroup directory as a file descriptor for
 * {@code bpf_program__attach_cgroup}, and closing descriptors that {@code bpf_obj_get} returned. Same shape and
 * errno convention as {@link libbpf_h}.
 */
public final class libc_h {
    private libc_h() {}

    public static final int O_RDONLY = 0;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static libbpf_h.Binding bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return new libbpf_h.Binding(name, descriptor, () -> LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, all));
    }

    /** {@code int open(const char *path, int flags, ...)}, called without the optional mode. */
    public static final libbpf_h.Binding open = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    public static int open(MemorySegment state, MemorySegment path, int flags) {
        try { return (int) open.handle().invokeExact(state, path, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int close(int fd)}. */
    public static final libbpf_h.Binding close = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    public static int close(MemorySegment state, int fd) {
        try { return (int) close.handle().invokeExact(state, fd); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int setns(int fd, int nstype)} (sched.h, _GNU_SOURCE): moves the calling thread into a namespace. */
    public static final libbpf_h.Binding setns = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    public static int setns(MemorySegment state, int fd, int nstype) {
        try { return (int) setns.handle().invokeExact(state, fd, nstype); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code unsigned int if_nametoindex(const char *ifname)} (net/if.h); 0 when there is no such interface. */
    public static final libbpf_h.Binding if_nametoindex = bind("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int if_nametoindex(MemorySegment state, MemorySegment name) {
        try { return (int) if_nametoindex.handle().invokeExact(state, name); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count)} (unistd.h): runs a BPF iterator until it returns 0. */
    public static final libbpf_h.Binding read = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    public static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        try { return (long) read.handle().invokeExact(state, fd, buf, count); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int flock(int fd, int operation)} (sys/file.h): an advisory lock on an open file, released when it closes. */
    public static final libbpf_h.Binding flock = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    public static int flock(MemorySegment state, int fd, int operation) {
        try { return (int) flock.handle().invokeExact(state, fd, operation); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    public static final int CLONE_NEWNET = 0x40000000;

    public static List<libbpf_h.Binding> bindings() {
        return List.of(open, close, setns, if_nametoindex, flock, read);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("downcall failed", t);
    }
}
