package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static dev.kpf.probes.bpf.Native.checkPointer;

/** A program of a {@link BpfObject}; valid as long as its object is open. */
public final class BpfProgram {
    private final BpfObject owner;
    private final MemorySegment program;
    private final String name;

    BpfProgram(BpfObject owner, MemorySegment program, String name) {
        this.owner = owner;
        this.program = program;
        this.name = name;
    }

    public String name() {
        return name;
    }

    MemorySegment pointer() {
        owner.live();
        return program;
    }

    /** The ELF section, e.g. {@code cgroup/connect4}, which tells libbpf the program and attach type. */
    public String section() {
        owner.live();
        try (Arena call = Arena.ofConfined()) {
            return Native.string(libbpf_h.bpf_program__section_name(callState(call), program));
        }
    }

    /** Whether {@link BpfObject#load()} should load this program; set before loading. */
    public BpfProgram autoload(boolean autoload) {
        owner.live();
        try (Arena call = Arena.ofConfined()) {
            check(libbpf_h.bpf_program__set_autoload(callState(call), program, autoload), "set autoload of program", name);
        }
        return this;
    }

    public int fd() {
        owner.live();
        try (Arena call = Arena.ofConfined()) {
            return check(libbpf_h.bpf_program__fd(callState(call), program), "get fd of program", name);
        }
    }

    /** Attaches this (loaded) program to a cgroup v2 directory with a BPF link. */
    public BpfLink attachCgroup(Cgroup cgroup) {
        owner.live();
        if (!owner.isLoaded()) throw new IllegalStateException("program " + name + " is not loaded");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment link = checkPointer(libbpf_h.bpf_program__attach_cgroup(state, program, cgroup.fd()), state,
                    "attach program " + name + " to", cgroup.path().toString());
            return new BpfLink(link, name + "@" + cgroup.path());
        }
    }

    /** Attaches this (loaded) iterator program (SEC("iter/...")): run it with {@link BpfLink#runIterator()}. */
    public BpfLink attachIterator() {
        owner.live();
        if (!owner.isLoaded()) throw new IllegalStateException("program " + name + " is not loaded");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment link = checkPointer(libbpf_h.bpf_program__attach_iter(state, program, MemorySegment.NULL), state,
                    "attach iterator", name);
            return new BpfLink(link, name + " (iterator)");
        }
    }

    /** tcx attach types (linux/bpf.h, kernel 6.6+); libbpf 1.1 does not name them, the kernel does. */
    public enum TcxDirection {
        INGRESS(46), EGRESS(47);

        final int attachType;

        TcxDirection(int attachType) {
            this.attachType = attachType;
        }
    }

    /**
     * Attaches this (loaded) sched_cls program to a network interface with a tcx link, which leaves every other tc
     * program on the interface alone, and pins the link at {@code pin} (a tcx link lives as long as its pin or fd).
     * The interface index is of the calling thread's network namespace (see {@link NetNamespace}).
     */
    public BpfLink attachTcx(int ifindex, TcxDirection direction, java.nio.file.Path pin) {
        owner.live();
        if (!owner.isLoaded()) throw new IllegalStateException("program " + name + " is not loaded");
        String where = "interface #" + ifindex + " (" + direction.name().toLowerCase(java.util.Locale.ROOT) + ")";
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = check(libbpf_h.bpf_link_create(callState(arena), fd(), ifindex, direction.attachType, MemorySegment.NULL),
                    "attach program " + name + " with a tcx link to", where);
        }
        try (Arena arena = Arena.ofConfined()) {
            BpfMap.createParent(pin);
            check(libbpf_h.bpf_obj_pin(callState(arena), fd, arena.allocateFrom(pin.toString())), "pin tcx link of " + name + " at", pin.toString());
        } finally {
            try (Arena arena = Arena.ofConfined()) {
                dev.kpf.probes.libbpf.libc_h.close(callState(arena), fd);
            }
        }
        return BpfLink.openPinned(pin);
    }

    @Override
    public String toString() {
        return "program " + name;
    }
}
