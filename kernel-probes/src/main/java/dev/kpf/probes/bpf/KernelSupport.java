package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * libbpf's feature probes, answered as 1 (supported), 0 (not supported) or a negative errno (could not tell).
 * The probe layer turns these into answers with reasons.
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
