package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static dev.kpf.probes.bpf.Native.checkPointer;

/**
 * An attachment of a program (a kernel BPF link). Closing it releases this process's handle: an unpinned link
 * detaches then, a pinned one stays attached until {@link #detach()} or until its pin is removed and no one holds it.
 */
public final class BpfLink implements AutoCloseable {
    private MemorySegment link;
    private final String description;

    BpfLink(MemorySegment link, String description) {
        this.link = link;
        this.description = description;
    }

    /** Opens a pinned link, e.g. one an earlier agent left at {@code /sys/fs/bpf/kpf/links/connect4}. */
    public static BpfLink openPinned(Path pin) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment l = checkPointer(libbpf_h.bpf_link__open(state, arena.allocateFrom(pin.toString())), state,
                    "open pinned link", pin.toString());
            return new BpfLink(l, pin.toString());
        }
    }

    /** Pins the link so the attachment outlives this process. */
    public BpfLink pin(Path path) {
        BpfMap.createParent(path);
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_link__pin(callState(arena), live(), arena.allocateFrom(path.toString())), "pin link " + description + " at", path.toString());
        }
        return this;
    }

    /** Removes the pin this process made or opened (the link stays while this handle is open). */
    public void unpin() {
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_link__unpin(callState(arena), live()), "unpin link", description);
        }
    }

    /** Swaps the attached program for {@code program} atomically: no moment without a program. */
    public void updateProgram(BpfProgram program) {
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_link__update_program(callState(arena), live(), program.pointer()), "replace the program of link " + description + " with", program.name());
        }
    }

    /**
     * Runs the iterator program of this link once over everything it iterates (in the calling thread's network
     * namespace for socket iterators): creates an iterator file and reads it to its end. Returns the bytes the program
     * wrote with seq_printf (none for programs that only act).
     */
    public long runIterator() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int fd = check(libbpf_h.bpf_iter_create(state, fd()), "create iterator of", description);
            try {
                MemorySegment buf = arena.allocate(4096);
                long total = 0;
                for (int i = 0; i < 1_000_000; i++) {
                    long n = dev.kpf.probes.libbpf.libc_h.read(state, fd, buf, buf.byteSize());
                    if (n < 0) throw Native.error("read iterator of", description, libbpf_h.errno(state), null);
                    if (n == 0) return total;
                    total += n;
                }
                throw new IllegalStateException("iterator " + description + " did not end");
            } finally {
                dev.kpf.probes.libbpf.libc_h.close(callState(arena), fd);
            }
        }
    }

    /** Detaches the program now, whoever else holds the link. */
    public void detach() {
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_link__detach(callState(arena), live()), "detach link", description);
        }
    }

    public int fd() {
        try (Arena arena = Arena.ofConfined()) {
            return check(libbpf_h.bpf_link__fd(callState(arena), live()), "get fd of link", description);
        }
    }

    /** The id of the cgroup a cgroup link is attached to (its directory's inode number); 0 once detached. */
    public long cgroupId() {
        try (Arena arena = Arena.ofConfined()) {
            return info(arena).get(java.lang.foreign.ValueLayout.JAVA_LONG, libbpf_h.bpf_link_info.byteOffset(
                    java.lang.foreign.MemoryLayout.PathElement.groupElement("cgroup.cgroup_id")));
        }
    }

    /**
     * The index of the interface a tcx (or xdp) link is attached to, in the interface's network namespace; 0 once the
     * interface is gone (the kernel severs the link then). {@code struct bpf_link_info} keeps each link type's details
     * in one union: tcx's and xdp's {@code ifindex} is its first {@code __u32}, where the cgroup variant's id starts
     * ({@code LibbpfHeaderTest} checks that offset against the installed header's {@code xdp.ifindex}; Debian 12's
     * kernel headers predate tcx).
     */
    public int interfaceIndex() {
        try (Arena arena = Arena.ofConfined()) {
            return info(arena).get(java.lang.foreign.ValueLayout.JAVA_INT, libbpf_h.bpf_link_info.byteOffset(
                    java.lang.foreign.MemoryLayout.PathElement.groupElement("cgroup.cgroup_id")));
        }
    }

    private MemorySegment info(Arena arena) {
        MemorySegment info = arena.allocate(64, 8);
        MemorySegment len = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, (int) info.byteSize());
        check(libbpf_h.bpf_obj_get_info_by_fd(callState(arena), fd(), info, len), "read info of link", description);
        return info;
    }

    private MemorySegment live() {
        if (link == null) throw new IllegalStateException("link " + description + " is closed");
        return link;
    }

    @Override
    public void close() {
        if (link == null) return;
        try (Arena arena = Arena.ofConfined()) {
            libbpf_h.bpf_link__destroy(callState(arena), link);
        } finally {
            link = null;
        }
    }

    @Override
    public String toString() {
        return "link " + description;
    }
}
