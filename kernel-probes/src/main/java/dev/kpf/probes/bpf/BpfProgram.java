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

    @Override
    public String toString() {
        return "program " + name;
    }
}
