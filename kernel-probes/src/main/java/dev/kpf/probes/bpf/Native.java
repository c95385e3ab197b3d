package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The boundary between Java and libbpf: call-state segments, C strings, and turning libbpf's two error conventions
 * ({@code -errno} from int calls, NULL plus errno from pointer calls) into {@link BpfException} at once.
 */
final class Native {
    private Native() {}

    static {
        LibbpfLog.ensureInstalled();
    }

    static MemorySegment callState(Arena arena) {
        return arena.allocate(libbpf_h.CALL_STATE);
    }

    /** Throws if {@code result} is negative; returns it otherwise. */
    static int check(int result, String operation, String object) {
        if (result < 0) throw error(operation, object, -result, null);
        return result;
    }

    /** Throws with the captured errno if {@code pointer} is NULL; returns it otherwise. */
    static MemorySegment checkPointer(MemorySegment pointer, MemorySegment state, String operation, String object) {
        if (pointer == null || pointer.equals(MemorySegment.NULL)) {
            int errno = libbpf_h.errno(state);
            throw error(operation, object, errno == 0 ? Errno.ENOENT : errno, null);
        }
        return pointer;
    }

    static BpfException error(String operation, String object, int errno, String detail) {
        return new BpfException(operation, object, errno, strerror(errno), Remedies.forError(operation, errno), detail);
    }

    /** libbpf's message for an errno or one of its own codes. */
    static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            libbpf_h.libbpf_strerror(callState(arena), Math.abs(errno), buf, buf.byteSize());
            return buf.getString(0);
        }
    }

    /** Reads a C string that libbpf owns (never freed here); empty for NULL. */
    static String string(MemorySegment charPointer) {
        if (charPointer == null || charPointer.equals(MemorySegment.NULL)) return "";
        return charPointer.reinterpret(4096).getString(0);
    }
}
