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

    /** Whether the kernel's BTF names this type or function (features without a probe of their own). */
    Support kernelSymbol(KernelSymbol symbol);

    /** Answers every question with "unknown" and this reason. */
    static KernelFeatures notProbed(String reason) {
        Support unknown = Support.unknown(reason);
        return new KernelFeatures() {
            public Support bpfSyscall() { return unknown; }
            public Support programType(ProgramType type) { return unknown; }
            public Support mapType(MapType type) { return unknown; }
            public Support helper(ProgramType type, Helper helper) { return unknown; }
            public Support attach(AttachPoint point) { return unknown; }
            public Support kernelSymbol(KernelSymbol symbol) { return unknown; }
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

    /** BPF helpers kpf's programs call ({@code enum bpf_func_id}). */
    enum Helper {
        KTIME_GET_NS(5, "ktime_get_ns"), GET_PRANDOM_U32(7, "get_prandom_u32"),
        GET_SOCKET_COOKIE(46, "get_socket_cookie"), GET_NETNS_COOKIE(122, "get_netns_cookie"), SET_RETVAL(187, "set_retval"),
        FIB_LOOKUP(69, "fib_lookup"), REDIRECT_NEIGH(152, "redirect_neigh");

        public final int id;
        public final String cName;

        Helper(int id, String cName) {
            this.id = id;
            this.cName = cName;
        }
    }

    /** Socket-level attach points, each with its section and its {@code enum bpf_attach_type} value (linux/bpf.h). */
    enum AttachPoint {
        CONNECT4("connect4", 10), CONNECT6("connect6", 11), SENDMSG4("sendmsg4", 14), SENDMSG6("sendmsg6", 15),
        RECVMSG4("recvmsg4", 19), RECVMSG6("recvmsg6", 20), GETPEERNAME4("getpeername4", 29), GETPEERNAME6("getpeername6", 30);

        public final String hook;
        public final int attachType;

        AttachPoint(String hook, int attachType) {
            this.hook = hook;
            this.attachType = attachType;
        }

        public String section() {
            return "cgroup/" + hook;
        }
    }

    /**
     * Names in the kernel's BTF that tell kpf about features without a probe of their own: a struct the feature's
     * code defines, or a function (kfunc, iterator target). Backports count: a RHEL kernel that has the code has the name.
     */
    enum KernelSymbol {
        /** tcx links for tc programs (6.6). */
        TCX_LINK("tcx_link", dev.kpf.probes.bpf.KernelBtf.Kind.STRUCT, "tcx_link"),
        /** the bpf_sock_destroy kfunc (6.5). */
        SOCK_DESTROY("bpf_sock_destroy", dev.kpf.probes.bpf.KernelBtf.Kind.FUNC, "bpf_sock_destroy"),
        /** the iter/udp iterator target (5.9). */
        UDP_ITERATOR("bpf_iter_udp", dev.kpf.probes.bpf.KernelBtf.Kind.FUNC, "iter/udp");

        public final String btfName;
        public final dev.kpf.probes.bpf.KernelBtf.Kind kind;
        public final String cName;

        KernelSymbol(String btfName, dev.kpf.probes.bpf.KernelBtf.Kind kind, String cName) {
            this.btfName = btfName;
            this.kind = kind;
            this.cName = cName;
        }
    }
}
