package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The running kernel's BTF ({@code /sys/kernel/btf/vmlinux}, read by libbpf), asked whether a named type or function
 * exists: how kpf tells kernel features that have no probe of their own (a kfunc such as {@code bpf_sock_destroy}, an
 * iterator target, tcx links) from the kernel itself rather than from its version number. Owns the parsed BTF until
 * {@link #close()}.
 */
public final class KernelBtf implements AutoCloseable {
    /** BTF kinds ({@code BTF_KIND_*} of linux/btf.h) kpf asks about. */
    public enum Kind {
        STRUCT(4), FUNC(12);

        final int id;

        Kind(int id) {
            this.id = id;
        }
    }

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment btf;

    private KernelBtf(MemorySegment btf) {
        this.btf = btf;
    }

    /** The running kernel's BTF; a {@link BpfException} with libbpf's errno (e.g. ENOENT without CONFIG_DEBUG_INFO_BTF). */
    public static KernelBtf load() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Native.callState(call);
            MemorySegment btf = libbpf_h.btf__load_vmlinux_btf(state);
            if (btf.equals(MemorySegment.NULL)) {
                int errno = libbpf_h.errno(state);
                throw new BpfException("load the kernel's BTF from", "/sys/kernel/btf/vmlinux", errno, Native.strerror(errno),
                        "kpf needs a kernel built with CONFIG_DEBUG_INFO_BTF=y", null);
            }
            return new KernelBtf(btf);
        }
    }

    /** Whether the kernel has a {@code kind} named {@code name}. */
    public boolean has(String name, Kind kind) {
        try (Arena call = Arena.ofConfined()) {
            return libbpf_h.btf__find_by_name_kind(Native.callState(call), btf, call.allocateFrom(name), kind.id) > 0;
        }
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        try (Arena call = Arena.ofConfined()) {
            libbpf_h.btf__free(Native.callState(call), btf);
        }
        arena.close();
    }
}
