package dev.kpf.dataplane.bpf;

import java.util.List;

/**
 * Names and constants of kpf's BPF maps and programs, mirroring kpf_sock.h. Map names are the pin names under the
 * pin directory (the kernel limits them to 15 characters). {@link #VERSION} is KPF_LAYOUT_VERSION: pinned maps of
 * another version are never mixed with these.
 */
public final class MapLayout {
    private MapLayout() {}

    public static final int VERSION = 2;

    public static final String SVC4 = "kpf_svc4", SVC6 = "kpf_svc6";
    public static final String BACKENDS4 = "kpf_backends4", BACKENDS6 = "kpf_backends6";
    public static final String REVNAT4 = "kpf_revnat4", REVNAT6 = "kpf_revnat6";
    public static final String SK_REVNAT4 = "kpf_sk_revnat4", SK_REVNAT6 = "kpf_sk_revnat6";
    public static final String AFFINITY = "kpf_affinity", AFF_MEMBER = "kpf_aff_member", STATS = "kpf_stats", META = "kpf_meta", NAMES = "kpf_names";
    /** The tc datapath: conntrack of both families, its configuration and event counters, source ranges, Maglev tables. */
    public static final String CT = "kpf_ct", TC_CONFIG = "kpf_tc_config", TC_EVENTS = "kpf_tc_events", EXT_AFFINITY = "kpf_ext_aff", SRC_RANGE4 = "kpf_srcrange4", MAGLEV4 = "kpf_maglev4",
            SRC_RANGE6 = "kpf_srcrange6";
    /** Tracing: the configuration array (which ring slots are in use, by whom) and the tracers' ring buffers (kpf trace). */
    public static final String TRACE_CFG = "kpf_trace_cfg", TRACE_RINGS = "kpf_trace_rings";
    /** The tc programs (traffic from outside the node). */
    public static final String TC_INGRESS = "kpf_tc_ingress", TC_EGRESS = "kpf_tc_egress";

    public static final List<String> MAPS = List.of(SVC4, SVC6, BACKENDS4, BACKENDS6, REVNAT4, REVNAT6, SK_REVNAT4,
            SK_REVNAT6, AFFINITY, STATS, META, NAMES, CT, TC_CONFIG, TC_EVENTS, EXT_AFFINITY, SRC_RANGE4, MAGLEV4, SRC_RANGE6, TRACE_CFG, TRACE_RINGS, AFF_MEMBER);

    /** Programs and the hook each attaches to. */
    public record Hook(String program, String attachType) {}

    public static final List<Hook> HOOKS = List.of(
            new Hook("kpf_sock4_connect", "connect4"), new Hook("kpf_sock4_sendmsg", "sendmsg4"),
            new Hook("kpf_sock4_recvmsg", "recvmsg4"), new Hook("kpf_sock4_getpeername", "getpeername4"),
            new Hook("kpf_sock6_connect", "connect6"), new Hook("kpf_sock6_sendmsg", "sendmsg6"),
            new Hook("kpf_sock6_recvmsg", "recvmsg6"), new Hook("kpf_sock6_getpeername", "getpeername6"));

    /** kpf's clsact filters (kernels without tcx links): found again by their priority and handle ("kp" + 16 bits of the pin directory). */
    public static final int TC_FILTER_HANDLE_PREFIX = 0x6b700000, TC_FILTER_PRIORITY = 1;

    /** Where link pins live, below the pin directory. */
    public static final String LINKS = "links";

    public static final int SCOPE_EXTERNAL = 0, SCOPE_INTERNAL = 1;
    public static final int SVC_AFFINITY = 1, SVC_TWO_SCOPE = 2, SVC_SOURCE_RANGES = 4, SVC_MAGLEV = 8;
    public static final int SRC_RANGE4_FRONTEND_BITS = 56, SRC_RANGE6_FRONTEND_BITS = 152;
    public static final int BACKEND_TERMINATING = 1, BACKEND_LOCAL = 2;
    public static final int META_LAYOUT = 0, META_GENERATION = 1;
    public static final int STAT_FRONTEND = 0, STAT_BACKEND = 1;
    public static final int STAT_V6_BIT = 1 << 31;
    public static final int NAME_BYTES = 128;
    /** struct kpf_rodata: maglev_m, has_set_retval (the .rodata section, set before load). */
    public static final int RODATA_BYTES = 8;

    /** A name as kpf_names holds it: at most 127 bytes of UTF-8 (a character is never cut in two). */
    static String fitName(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length < NAME_BYTES) return name;
        int n = NAME_BYTES - 1;
        while (n > 0 && (b[n] & 0xc0) == 0x80) n--; // not inside a multi-byte character
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The object file, compiled into the jar by the build. */
    public static final String OBJECT = "/dev/kpf/dataplane/bpf/kpf_sock.bpf.o";

    /** The UDP socket terminator's object (kernel 6.5+), loaded next to the datapath when the kernel takes it. */
    public static final String DESTROY_OBJECT = "/dev/kpf/dataplane/bpf/kpf_sock_destroy.bpf.o";
}
