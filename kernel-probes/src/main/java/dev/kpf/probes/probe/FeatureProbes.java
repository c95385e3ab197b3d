package dev.kpf.probes.probe;

import dev.kpf.probes.probe.KernelFeatures.AttachPoint;
import dev.kpf.probes.probe.KernelFeatures.Helper;
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

    private record Need<T>(T what, String name, boolean required, List<Feature> features) {}

    private static final List<Need<ProgramType>> PROGRAM_TYPES = List.of(
            new Need<>(ProgramType.CGROUP_SOCK_ADDR, "cgroup_sock_addr", true, List.of(Feature.SOCKET_LB, Feature.UDP)),
            new Need<>(ProgramType.CGROUP_SOCK, "cgroup_sock", false, List.of(Feature.NETNS_SCOPE)),
            new Need<>(ProgramType.SCHED_CLS, "sched_cls", false, List.of(Feature.EXTERNAL_LB)));

    private static final List<Need<MapType>> MAP_TYPES = List.of(
            new Need<>(MapType.HASH, "hash", true, List.of(Feature.SOCKET_LB)),
            new Need<>(MapType.ARRAY, "array", true, List.of(Feature.SOCKET_LB)),
            new Need<>(MapType.LRU_HASH, "lru_hash", true, List.of(Feature.UDP, Feature.SESSION_AFFINITY)),
            new Need<>(MapType.PERCPU_HASH, "percpu_hash", false, List.of(Feature.STATS)),
            new Need<>(MapType.LPM_TRIE, "lpm_trie", false, List.of(Feature.SOURCE_RANGES)),
            new Need<>(MapType.RINGBUF, "ringbuf", false, List.of(Feature.TRACE)));

    private static final List<Need<Helper>> HELPERS = List.of(
            new Need<>(Helper.GET_PRANDOM_U32, "bpf_get_prandom_u32", true, List.of(Feature.SOCKET_LB)),
            new Need<>(Helper.GET_SOCKET_COOKIE, "bpf_get_socket_cookie", true, List.of(Feature.UDP)),
            new Need<>(Helper.KTIME_GET_NS, "bpf_ktime_get_ns", false, List.of(Feature.SESSION_AFFINITY)),
            new Need<>(Helper.GET_NETNS_COOKIE, "bpf_get_netns_cookie", false, List.of(Feature.NETNS_SCOPE)),
            // ECONNREFUSED for connects to Services without backends; without it (before 5.18) the programs are loaded with
            // the call switched off in .rodata and such connects fail with EPERM
            new Need<>(Helper.SET_RETVAL, "bpf_set_retval", false, List.of(Feature.CONNECT_REFUSED)));

    private static final List<Need<AttachPoint>> ATTACH_POINTS = List.of(
            new Need<>(AttachPoint.CONNECT4, "connect4", true, List.of(Feature.SOCKET_LB)),
            new Need<>(AttachPoint.SENDMSG4, "sendmsg4", true, List.of(Feature.UDP)),
            new Need<>(AttachPoint.RECVMSG4, "recvmsg4", true, List.of(Feature.UDP)),
            new Need<>(AttachPoint.CONNECT6, "connect6", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.SENDMSG6, "sendmsg6", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.RECVMSG6, "recvmsg6", false, List.of(Feature.IPV6)),
            new Need<>(AttachPoint.GETPEERNAME4, "getpeername4", false, List.of(Feature.PEER_ADDRESS)),
            new Need<>(AttachPoint.GETPEERNAME6, "getpeername6", false, List.of(Feature.PEER_ADDRESS)));

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

    private static <T> ProbeResult aggregate(String id, List<Need<T>> needs, Function<T, Support> ask, String what) {
        List<ProbeItem> items = new ArrayList<>();
        List<String> missingRequired = new ArrayList<>(), missingOptional = new ArrayList<>(), unknown = new ArrayList<>();
        Set<Feature> affected = new LinkedHashSet<>();
        String unknownReason = "";
        for (Need<T> n : needs) {
            Support s = ask.apply(n.what());
            items.add(new ProbeItem(n.name(), s, n.required(), n.features()));
            switch (s) {
                case Support.Supported x -> { }
                case Support.Unsupported u -> {
                    (n.required() ? missingRequired : missingOptional).add(n.name());
                    affected.addAll(n.features());
                }
                case Support.Unknown u -> {
                    unknown.add(n.name());
                    affected.addAll(n.features());
                    unknownReason = u.reason();
                }
            }
        }
        String required = needs.stream().filter(Need::required).map(Need::name).reduce((a, b) -> a + ", " + b).orElse("none")
                + " (optional: " + needs.stream().filter(n -> !n.required()).map(Need::name).reduce((a, b) -> a + ", " + b).orElse("none") + ")";
        List<Feature> features = List.copyOf(affected);
        if (!missingRequired.isEmpty()) {
            return new ProbeResult(id, FAIL, "missing " + String.join(", ", missingRequired)
                    + (missingOptional.isEmpty() ? "" : "; also missing " + String.join(", ", missingOptional)),
                    required, features, "this kernel cannot run kpf's socket-level datapath: use Ubuntu with kernel >= 5.7.0 "
                    + "or a supported RHEL 8/9 kernel", true, items);
        }
        if (!unknown.isEmpty()) {
            String which = unknown.size() == needs.size() ? "not probed" : "could not probe " + String.join(", ", unknown);
            return new ProbeResult(id, UNKNOWN, which + ": " + unknownReason,
                    required, features, remedyForUnknown(new Support.Unknown(unknownReason)), true, items);
        }
        if (!missingOptional.isEmpty()) {
            return new ProbeResult(id, WARN, "missing " + String.join(", ", missingOptional), required, features,
                    "a newer kernel adds them; until then the listed features are unavailable", true, items);
        }
        return new ProbeResult(id, PASS, "all " + needs.size() + " " + what + " supported", required, List.of(), "", true, items);
    }

    private static String remedyForUnknown(Support.Unknown u) {
        if (u.reason().contains("not permitted")) return "run kpf probe as root (or with CAP_BPF and CAP_SYS_ADMIN)";
        if (u.reason().contains("--root")) return "run kpf probe on the node itself, without --root, to probe the kernel";
        return "";
    }
}
