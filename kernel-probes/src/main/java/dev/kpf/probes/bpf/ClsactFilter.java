package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A tc program as a filter on an interface's clsact qdisc (netlink, the classic way): for kernels without tcx links
 * (before 6.6). The filter is the kernel's, not this process's: it stays when the process exits and is found again
 * by its handle and priority, which also let a new program replace the old one atomically. Works in the calling
 * thread's network namespace.
 */
public record ClsactFilter(int ifindex, boolean ingress, int handle, int priority) {
    /** Attaches {@code program} here, creating the clsact qdisc if needed; returns whether it replaced a filter. */
    public boolean attach(BpfProgram program) {
        String where = this + " of " + program;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment hook = hook(arena);
            int rc = libbpf_h.bpf_tc_hook_create(state, hook);
            if (rc < 0 && rc != -Errno.EEXIST) check(rc, "create the clsact qdisc for", where);
            boolean existed = present(arena, hook);
            MemorySegment opts = opts(arena);
            opts.set(JAVA_INT, offset("prog_fd"), program.fd());
            opts.set(JAVA_INT, offset("flags"), libbpf_h.BPF_TC_F_REPLACE);
            rc = libbpf_h.bpf_tc_attach(state, hook, opts);
            if (rc == -Errno.EINVAL) {
                throw Native.error("attach the tc filter", where, Errno.EINVAL, "priority " + priority + " may be held by another tool's "
                        + "filter of another kind on this interface (tc filter show dev ... " + (ingress ? "ingress" : "egress") + ")");
            }
            check(rc, "attach the tc filter", where);
            return existed;
        }
    }

    /** Removes the filter; false when there was none. The clsact qdisc stays (other tools may use it). */
    public boolean detach() {
        try (Arena arena = Arena.ofConfined()) {
            int rc = libbpf_h.bpf_tc_detach(callState(arena), hook(arena), opts(arena));
            if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) return false; // no such filter, or no clsact qdisc at all
            check(rc, "detach the tc filter", toString());
            return true;
        }
    }

    /** The id of the program this filter runs, when it is attached. */
    public java.util.OptionalInt programId() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opts = opts(arena);
            int rc = libbpf_h.bpf_tc_query(callState(arena), hook(arena), opts);
            if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) return java.util.OptionalInt.empty();
            check(rc, "query the tc filter", toString());
            return java.util.OptionalInt.of(opts.get(JAVA_INT, offset("prog_id")));
        }
    }

    private boolean present(Arena arena, MemorySegment hook) {
        int rc = libbpf_h.bpf_tc_query(callState(arena), hook, opts(arena));
        if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) return false;
        check(rc, "query the tc filter", toString());
        return true;
    }

    private MemorySegment hook(Arena arena) {
        MemorySegment hook = arena.allocate(libbpf_h.bpf_tc_hook);
        hook.set(JAVA_LONG, 0, libbpf_h.bpf_tc_hook.byteSize());
        hook.set(JAVA_INT, libbpf_h.bpf_tc_hook.byteOffset(MemoryLayout.PathElement.groupElement("ifindex")), ifindex);
        hook.set(JAVA_INT, libbpf_h.bpf_tc_hook.byteOffset(MemoryLayout.PathElement.groupElement("attach_point")),
                ingress ? libbpf_h.BPF_TC_INGRESS : libbpf_h.BPF_TC_EGRESS);
        return hook;
    }

    private MemorySegment opts(Arena arena) {
        MemorySegment opts = arena.allocate(libbpf_h.bpf_tc_opts);
        opts.set(JAVA_LONG, 0, libbpf_h.bpf_tc_opts.byteSize());
        opts.set(JAVA_INT, offset("handle"), handle);
        opts.set(JAVA_INT, offset("priority"), priority);
        return opts;
    }

    private static long offset(String field) {
        return libbpf_h.bpf_tc_opts.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    @Override
    public String toString() {
        return "clsact " + (ingress ? "ingress" : "egress") + " filter " + Integer.toHexString(handle) + "/" + priority + " on interface #" + ifindex;
    }
}
