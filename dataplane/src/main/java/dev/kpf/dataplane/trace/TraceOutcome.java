package dev.kpf.dataplane.trace;

/** What the datapath did (KPF_TRACE_* in kpf_sock.h). */
public enum TraceOutcome {
    /** A backend was picked (connect, sendmsg), or a backend was shown as its frontend (recvmsg, getpeername). */
    TRANSLATED(1, "translated"),
    /** The client's ClientIP-affinity backend was picked. */
    AFFINITY_HIT(2, "affinity-hit"),
    /** The frontend has no backend: the call failed with ECONNREFUSED. */
    REFUSED(3, "refused"),
    /** The address is no frontend; the call went on untouched. */
    NOT_SERVICE(4, "not-a-service");

    public final int code;
    public final String label;

    TraceOutcome(int code, String label) {
        this.code = code;
        this.label = label;
    }

    static TraceOutcome of(int code) {
        for (TraceOutcome o : values()) if (o.code == code) return o;
        throw new IllegalArgumentException("unknown trace outcome " + code + ": the programs come from another kpf version than this "
                + "command; use the kpf of the running agent");
    }
}
