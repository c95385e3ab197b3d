package dev.kpf.probes.probe;

import dev.kpf.probes.probe.KernelFeatures.AttachPoint;
import dev.kpf.probes.probe.KernelFeatures.Helper;
import dev.kpf.probes.probe.KernelFeatures.KernelSymbol;
import dev.kpf.probes.probe.KernelFeatures.MapType;
import dev.kpf.probes.probe.KernelFeatures.ProgramType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static dev.kpf.probes.probe.ProbeStatus.FAIL;
import static dev.kpf.probes.probe.ProbeStatus.PASS;
import static dev.kpf.probes.probe.ProbeStatus.UNKNOWN;
import static dev.kpf.probes.probe.ProbeStatus.WARN;

/**
 * Probes the kernel must answer: the bpf() syscall, and the program types, map types, helpers and attach types kpf
 * uses, each marked required (missing means not ready) or degrading (missing takes away the named features).
 */
final class FeatureProbes {
    private final KernelFeatures kernel;

    FeatureProbes(KernelFeatures kernel) {
        this.kernel = kernel;
    }

    /** A capability kpf uses: required (missing means not ready) or not (missing takes the features away); since: mainline release. */
    private record Need<T>(T what, String name, String since, boolean required, List<Feature> features) {}

    private static final List<Need<ProgramType>> PROGRAM_TYPES = List.of(
            new Need<>(ProgramType.CGROUP_SOCK_ADDR, "cgroup_sock_addr", "4.17", true, List.of(Feature.SOCKET_LB, Feature.UDP)),
            new Need<>(ProgramType.CGROUP_SOCK, "cgroup_sock", "4.10", false, List.of(Feature.NETNS_SCOPE)),
            new Need<>(ProgramType.SCHED_CLS, "sched_cls", "4.1", false, List.of(Feature.EXTERNAL_LB)));

    private static final List<Need<MapType>> MAP_TYPES = List.of(
            new Need<>(MapType.HASH, "hash", "3.19", true, List.of(Feature.SOCKET_LB)),
            new Need<>(MapType.ARRAY, "array", "3.19", true, List.of(Feature.SOCKET_LB)),
            new Need<>(MapType.LRU_HASH, "lru_hash", "4.10", true, List.of(Feature.UDP, Feature.SESSION_AFFINITY)),
            new Need<>(MapType.PERCPU_HASH, "percpu_hash", "4.6", false, List.of(Feature.STATS)),
            new Need<>(MapType.LPM_TRIE, "lpm_trie", "4.11", false, List.of(Feature.SOURCE_RANGES)),
            new Need<>(MapType.RINGBUF, "ringbuf", "5.8", false, List.of(Feature.TRACE)));

    private static final List<Need<Helper>> HELPERS = List.of(
            new Need<>(Helper.GET_PRANDOM_U32, "bpf_get_prandom_u32", "4.17", true, List.of(Feature.SOCKET_LB)),
            new Need<>(Helper.GET_SOCKET_COOKIE, "bpf_get_socket_cookie", "4.19", true, List.of(Feature.UDP)),
            new Need<>(Helper.KTIME_GET_NS, "bpf_ktime_get_ns", "4.17", false, List.of(Feature.SESSION_AFFINITY)),
            new Need<>(Helper.GET_NETNS_COOKIE, "bpf_get_netns_cookie", "5.7", false, List.of(Feature.NETNS_SCOPE)),
            // ECONNREFUSED for connects to Services without backends; without it (before 5.18) the programs are loaded with
            // the call switched off in .rodata and such connects fail with EPERM
            new Need<>(Helper.SET_RETVAL, "bpf_set_retval", "5.18", false, List.of(Feature.CONNECT_REFUSED)));

    private static final List<Need<AttachPoint>> ATTACH_POINTS = List.of(
            new Need<>(AttachPoint.CONNECT4, "connect4", "4.17", true, List.of(Feature.SOCKET_LB)),
            new Need<>(AttachPoint.SENDMSG4, "sendmsg4", "4.18", true, List.of(Feature.UDP)),
            new Need<>(AttachPoint.RECVMSG4, "recvmsg4", "5.2", true, List.of(Feature.UDP)),
            new Need<>(AttachPoint.CONNECT6, "connect6", "4.17", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.SENDMSG6, "sendmsg6", "4.18", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.RECVMSG6, "recvmsg6", "5.2", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.GETPEERNAME4, "getpeername4", "5.8", false, List.of(Feature.PEER_ADDRESS)),
            new Need<>(AttachPoint.GETPEERNAME6, "getpeername6", "5.8", false, List.of(Feature.PEER_ADDRESS)));

    /** What the tc programs (kpf_tc.bpf.o) call beyond what every sched_cls program has. */
    private static final List<Need<Helper>> TC_HELPERS = List.of(
            new Need<>(Helper.FIB_LOOKUP, "bpf_fib_lookup", "4.18", false, List.of(Feature.EXTERNAL_LB)),
            new Need<>(Helper.REDIRECT_NEIGH, "bpf_redirect_neigh", "5.10", false, List.of(Feature.EXTERNAL_LB)));

    /** What kpf_sock_destroy.bpf.o needs: a UDP socket iterator and the kfunc that destroys a socket. */
    private static final List<Need<KernelSymbol>> SOCKET_DESTROY = List.of(
            new Need<>(KernelSymbol.UDP_ITERATOR, "iter/udp", "5.9", false, List.of(Feature.UDP_SOCKET_TERMINATION)),
            new Need<>(KernelSymbol.SOCK_DESTROY, "bpf_sock_destroy", "6.5", false, List.of(Feature.UDP_SOCKET_TERMINATION)));

    /** tcx links, else clsact filters: either serves the tc programs, so neither is a need. */
    static final String TCX_SINCE = "6.6";

    /**
     * The mainline release from which the kernel has everything a feature needs (the newest of its needs' releases),
     * for the features the kernel probes decide. RHEL kernels carry backports: there the probes decide, not the number.
     */
    static java.util.Map<Feature, String> floors() {
        java.util.Map<Feature, String> out = new java.util.EnumMap<>(Feature.class);
        for (List<? extends Need<?>> needs : List.of(PROGRAM_TYPES, MAP_TYPES, HELPERS, ATTACH_POINTS, TC_HELPERS, SOCKET_DESTROY)) {
            for (Need<?> n : needs) {
                for (Feature f : n.features()) out.merge(f, n.since(), (a, b) -> newer(a, b) ? a : b);
            }
        }
        return out;
    }

    /** Whether release a is newer than b ("5.10" > "5.8"). */
    static boolean newer(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        int major = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return major != 0 ? major > 0 : Integer.parseInt(x[1]) > Integer.parseInt(y[1]);
    }

    ProbeResult bpfSyscall() {
        Support s = kernel.bpfSyscall();
        return switch (s) {
            case Support.Supported x -> ProbeResult.of("bpf.syscall", PASS, "bpf() works", "bpf() available", List.of(), "", true);
            case Support.Unsupported u -> ProbeResult.of("bpf.syscall", FAIL, u.reason(), "bpf() available", List.of(Feature.ALL),
                    "use a kernel built with CONFIG_BPF_SYSCALL=y", true);
            case Support.Unknown u -> ProbeResult.of("bpf.syscall", UNKNOWN, u.reason(), "bpf() available", List.of(Feature.ALL),
                    remedyForUnknown(u), true);
        };
    }

    ProbeResult programTypes() {
        return aggregate("bpf.prog-types", PROGRAM_TYPES, kernel::programType, "program types");
    }

    ProbeResult mapTypes() {
        return aggregate("bpf.map-types", MAP_TYPES, kernel::mapType, "map types");
    }

    ProbeResult helpers() {
        return aggregate("bpf.helpers", HELPERS, h -> kernel.helper(ProgramType.CGROUP_SOCK_ADDR, h), "helpers for cgroup_sock_addr");
    }

    ProbeResult attachTypes() {
        return aggregate("bpf.attach-types", ATTACH_POINTS, kernel::attach, "cgroup attach types");
    }

    /**
     * What the tc programs need for traffic from outside the node, and how they attach: tcx links (6.6) or clsact
     * filters (before; the same programs, and the agent picks them itself).
     */
    ProbeResult tc() {
        ProbeResult helpers = aggregate("bpf.tc", TC_HELPERS, h -> kernel.helper(ProgramType.SCHED_CLS, h), "tc helpers");
        String attach = switch (kernel.kernelSymbol(KernelSymbol.TCX_LINK)) {
            case Support.Supported x -> "; attach with tcx links";
            case Support.Unsupported u -> "; attach with clsact filters (no tcx links, " + TCX_SINCE + ")";
            // the reason is the helpers' too when nothing could be probed
            case Support.Unknown u -> helpers.status() == UNKNOWN ? "" : "; tcx links or clsact filters: " + u.reason();
        };
        return new ProbeResult(helpers.id(), helpers.status(), helpers.observed() + attach,
                helpers.required() + "; tcx links (" + TCX_SINCE + ") or clsact filters", helpers.features(), helpers.remedy(), false, helpers.items());
    }

    /** kpf_sock_destroy.bpf.o: connected UDP sockets let go of a backend that left. */
    ProbeResult socketDestroy() {
        return aggregate("bpf.sock-destroy", SOCKET_DESTROY, kernel::kernelSymbol, "kernel functions for socket termination");
    }

    private static <T> ProbeResult aggregate(String id, List<Need<T>> needs, Function<T, Support> ask, String what) {
        List<ProbeItem> items = new ArrayList<>();
        List<Need<T>> missingRequired = new ArrayList<>(), missingOptional = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        Set<Feature> affected = new LinkedHashSet<>();
        String unknownReason = "";
        for (Need<T> n : needs) {
            Support s = ask.apply(n.what());
            items.add(new ProbeItem(n.name(), s, n.required(), n.features()));
            switch (s) {
                case Support.Supported x -> { }
                case Support.Unsupported u -> {
                    (n.required() ? missingRequired : missingOptional).add(n);
                    affected.addAll(n.features());
                }
                case Support.Unknown u -> {
                    unknown.add(n.name());
                    affected.addAll(n.features());
                    unknownReason = u.reason();
                }
            }
        }
        // only probes of something required decide the verdict when they cannot answer
        boolean decisive = needs.stream().anyMatch(Need::required);
        String required = names(needs.stream().filter(Need::required).toList()) + " (optional: "
                + names(needs.stream().filter(n -> !n.required()).toList()) + ")";
        List<Feature> features = List.copyOf(affected);
        if (!missingRequired.isEmpty()) {
            String floor = missingRequired.stream().map(Need::since).reduce((a, b) -> newer(a, b) ? a : b).orElseThrow();
            return new ProbeResult(id, FAIL, "missing " + names(missingRequired)
                    + (missingOptional.isEmpty() ? "" : "; also missing " + names(missingOptional)),
                    required, features, "kpf's socket programs need " + names(missingRequired) + ": a kernel >= " + floor
                    + " has them (the platform asks for Ubuntu with kernel >= 5.7.0, or RHEL 8/9, whose kernels carry them as backports)",
                    true, items);
        }
        if (!unknown.isEmpty()) {
            String which = unknown.size() == needs.size() ? "not probed" : "could not probe " + String.join(", ", unknown);
            return new ProbeResult(id, UNKNOWN, which + ": " + unknownReason,
                    required, features, remedyForUnknown(new Support.Unknown(unknownReason)), decisive, items);
        }
        if (!missingOptional.isEmpty()) {
            return new ProbeResult(id, WARN, "missing " + names(missingOptional), required, features,
                    String.join("; ", missingOptional.stream().map(n -> "kernel " + n.since() + " adds " + n.name() + " ("
                            + n.features().stream().map(Feature::id).reduce((a, b) -> a + ", " + b).orElse("") + ")").toList())
                            + ": until then these features are unavailable", decisive, items);
        }
        return new ProbeResult(id, PASS, "all " + needs.size() + " " + what + " supported", required, List.of(), "", decisive, items);
    }

    /** "connect4 (4.17), recvmsg4 (5.2)": capabilities with the mainline release that brought them; "none" for none. */
    private static String names(List<? extends Need<?>> needs) {
        return needs.isEmpty() ? "none" : String.join(", ", needs.stream().map(n -> n.name() + " (" + n.since() + ")").toList());
    }

    private static String remedyForUnknown(Support.Unknown u) {
        if (u.reason().contains("not permitted")) return "run kpf probe as root (or with CAP_BPF and CAP_SYS_ADMIN)";
        if (u.reason().contains("--root")) return "run kpf probe on the node itself, without --root, to probe the kernel";
        return "";
    }
}
