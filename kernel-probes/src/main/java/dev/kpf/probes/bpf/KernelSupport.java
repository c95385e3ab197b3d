package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * libbpf's feature probes, answered as 1 (supported), 0 (not supported) or a negative errno (could not tell), and
 * kpf's own probe of a socket-level hook ({@link #cgroupSockAddrAttach}: attached, or the step that failed). The
 * probe layer turns these into answers with reasons.
 */
public final class KernelSupport {
    private KernelSupport() {}

    public static int programType(int type) {
        try (Arena arena = Arena.ofConfined()) {
            return libbpf_h.libbpf_probe_bpf_prog_type(Native.callState(arena), type, MemorySegment.NULL);
        }
    }

    public static int mapType(int type) {
        try (Arena arena = Arena.ofConfined()) {
            return libbpf_h.libbpf_probe_bpf_map_type(Native.callState(arena), type, MemorySegment.NULL);
        }
    }

    public static int helper(int programType, int helperId) {
        try (Arena arena = Arena.ofConfined()) {
            return libbpf_h.libbpf_probe_bpf_helper(Native.callState(arena), programType, helperId, MemorySegment.NULL);
        }
    }

    /** {@code BPF_PROG_TYPE_CGROUP_SOCK_ADDR} (linux/bpf.h): the socket-level hooks' program type. */
    public static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;

    /** {@code r0 = 1; exit}: allow; the smallest program every socket-level hook accepts. */
    private static final byte[] ALLOW = {(byte) 0xb7, 0, 0, 0, 1, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0};

    /**
     * What probing one socket-level hook found: attached, or the step that failed ({@link #LOAD}: the kernel refused
     * the program for this attach type; {@link #LINK}: it loaded, but no link to the cgroup could be made) and errno.
     */
    public record HookProbe(String failedStep, int errno) {
        public static final String LOAD = "bpf_prog_load", LINK = "bpf_link_create";
        static final HookProbe ATTACHED = new HookProbe("", 0);

        public boolean attached() {
            return errno == 0;
        }
    }

    /**
     * Loads a socket-level program for {@code attachType} (linux/bpf.h's {@code enum bpf_attach_type}, e.g. 10 for
     * {@code BPF_CGROUP_INET4_CONNECT}) and attaches it to {@code target} through a link, as libbpf attaches the agent's
     * programs; program and link are closed at once. Loading two instructions, not an ELF object, is what makes this
     * cheap: eight ELF loads were most of a cold {@code kpf probe}'s attach probing.
     */
    public static HookProbe cgroupSockAddrAttach(int attachType, Cgroup target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment opts = arena.allocate(libbpf_h.bpf_prog_load_opts);
            opts.set(ValueLayout.JAVA_LONG, libbpf_h.bpf_prog_load_opts.byteOffset(groupElement("sz")), opts.byteSize());
            opts.set(ValueLayout.JAVA_INT, libbpf_h.bpf_prog_load_opts.byteOffset(groupElement("expected_attach_type")), attachType);
            MemorySegment insns = arena.allocate(ALLOW.length, 8).copyFrom(MemorySegment.ofArray(ALLOW));
            int prog = libbpf_h.bpf_prog_load(state, PROG_TYPE_CGROUP_SOCK_ADDR, MemorySegment.NULL, arena.allocateFrom("GPL"), insns,
                    ALLOW.length / 8, opts);
            if (prog < 0) return new HookProbe(HookProbe.LOAD, -prog);
            try (OwnedFd program = new OwnedFd(prog, "probe program")) {
                int link = libbpf_h.bpf_link_create(state, program.fd(), target.fd(), attachType, MemorySegment.NULL);
                if (link < 0) return new HookProbe(HookProbe.LINK, -link);
                new OwnedFd(link, "probe link").close();
                return HookProbe.ATTACHED;
            }
        }
    }

    /** Whether the bpf() syscall works for this process: creates and frees a one-entry array map. */
    public static int bpfSyscall() {
        try (BpfMap<Integer, Integer> m = BpfMap.create(2, "kpf_probe", 1, MapCodec.u32(), MapCodec.u32())) {
            return 1;
        } catch (BpfException e) {
            return -e.errno();
        }
    }

    /** Message and symbolic name for a negative result of the calls above. */
    public static String describe(int negativeErrno) {
        return Errno.name(-negativeErrno) + " (" + Native.strerror(-negativeErrno) + ")";
    }
}
