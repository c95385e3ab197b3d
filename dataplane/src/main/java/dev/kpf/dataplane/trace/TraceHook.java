package dev.kpf.dataplane.trace;

/** The socket hook a trace event comes from (KPF_HOOK_* in kpf_sock.h). */
public enum TraceHook {
    CONNECT(1), SENDMSG(2), RECVMSG(3), GETPEERNAME(4);

    public final int code;

    TraceHook(int code) {
        this.code = code;
    }

    static TraceHook of(int code) {
        for (TraceHook h : values()) if (h.code == code) return h;
        throw new IllegalArgumentException("unknown trace hook " + code + ": the programs come from another kpf version than this "
                + "command; use the kpf of the running agent");
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
