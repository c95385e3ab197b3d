package dev.kpf.probes.probe;

/**
 * Questions only the running kernel can answer. {@link LiveKernelFeatures} asks it through libbpf;
 * {@link #notProbed(String)} answers "unknown" with a reason, for fixture trees and hosts where probing is impossible.
 */
public interface KernelFeatures {
    Support bpfSyscall();

    Support programType(ProgramType type);

    Support mapType(MapType type);

    Support helper(ProgramType type, Helper helper);

    Support attach(AttachPoint point);

    /** Answers every question with "unknown" and this reason. */
    static KernelFeatures notProbed(String reason) {
        Support unknown = Support.unknown(reason);
        return new KernelFeatures() {
            public Support bpfSyscall() { return unknown; }
            public Support programType(ProgramType type) { return unknown; }
            public Support mapType(MapType type) { return unknown; }
            public Support helper(ProgramType type, Helper helper) { return unknown; }
            public Support attach(AttachPoint point) { return unknown; }
        };
    }

    /** BPF program types kpf uses, with their kernel ids ({@code enum bpf_prog_type}). */
    enum ProgramType {
        SCHED_CLS(3, "sched_cls"), CGROUP_SOCK(9, "cgroup_sock"), CGROUP_SOCK_ADDR(18, "cgroup_sock_addr");

        public final int id;
        public final String cName;

        ProgramType(int id, String cName) {
            this.id = id;
            this.cName = cName;
        }
    }

    /** BPF map types kpf uses ({@code enum bpf_map_type}). */
    enum MapType {
        HASH(1, "hash"), ARRAY(2, "array"), PERCPU_HASH(5, "percpu_hash"), LRU_HASH(9, "lru_hash"),
        LPM_TRIE(11, "lpm_trie"), RINGBUF(27, "ringbuf");

        public final int id;
        public final String cName;

        MapType(int id, String cName) {
            this.id = id;
            this.cName = cName;
        }
    }

    /** BPF helpers the socket programs call ({@code enum bpf_func_id}). */
    enum Helper {
        KTIME_GET_NS(5, "ktime_get_ns"), GET_PRANDOM_U32(7, "get_prandom_u32"),
        GET_SOCKET_COOKIE(46, "get_socket_cookie"), GET_NETNS_COOKIE(122, "get_netns_cookie"), SET_RETVAL(187, "set_retval");

        public final int id;
        public final String cName;

        Helper(int id, String cName) {
            this.id = id;
            this.cName = cName;
        }
    }

    /** Socket-level attach points, each with its section and the probe program in probe_attach.bpf.c. */
    enum AttachPoint {
        CONNECT4("connect4"), CONNECT6("connect6"), SENDMSG4("sendmsg4"), SENDMSG6("sendmsg6"),
        RECVMSG4("recvmsg4"), RECVMSG6("recvmsg6"), GETPEERNAME4("getpeername4"), GETPEERNAME6("getpeername6");

        public final String hook;

        AttachPoint(String hook) {
            this.hook = hook;
        }

        public String section() {
            return "cgroup/" + hook;
        }

        public String probeProgram() {
            return "kpf_probe_" + hook;
        }
    }
}
