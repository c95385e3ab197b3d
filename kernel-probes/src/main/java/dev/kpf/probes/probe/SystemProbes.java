package dev.kpf.probes.probe;

import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.probe.HostRoot.FileRead;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.kpf.probes.probe.ProbeStatus.FAIL;
import static dev.kpf.probes.probe.ProbeStatus.PASS;
import static dev.kpf.probes.probe.ProbeStatus.UNKNOWN;
import static dev.kpf.probes.probe.ProbeStatus.WARN;

/**
 * Probes answered from files alone (os-release, /proc, /sys, kernel config), so they run the same against the live
 * root and against fixture trees. The OS and kernel rule is the platform's: a supported RHEL, or Ubuntu with kernel
 * 5.7.0 or later; RHEL kernels carry backported BPF features, so there the feature probes decide.
 */
final class SystemProbes {
    static final KernelRelease MINIMUM = KernelRelease.of(5, 7, 0);
    static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    private final HostRoot root;
    private final FileRead osRelease;
    private final Optional<KernelRelease> kernel;
    private final String kernelText;
    private final String mounts;

    SystemProbes(HostRoot root) {
        this.root = root;
        FileRead os = root.read("/etc/os-release");
        this.osRelease = os instanceof FileRead.Missing ? root.read("/usr/lib/os-release") : os;
        FileRead k = root.read("/proc/sys/kernel/osrelease");
        this.kernelText = k instanceof FileRead.Content c ? c.text().strip() : "";
        this.kernel = KernelRelease.parse(kernelText);
        this.mounts = root.read("/proc/mounts") instanceof FileRead.Content c ? c.text() : null;
    }

    Optional<OsRelease> os() {
        return osRelease instanceof FileRead.Content c ? OsRelease.parse(c.text()) : Optional.empty();
    }

    Optional<KernelRelease> kernel() {
        return kernel;
    }

    String kernelText() {
        return kernelText;
    }

    ProbeResult osSupported() {
        String required = "RHEL 8 or 9, or Ubuntu";
        Optional<OsRelease> os = os();
        if (os.isEmpty()) {
            String why = osRelease instanceof FileRead.Content ? osRelease.path() + " names no ID" : osRelease.describeFailure();
            return ProbeResult.of("os.supported", UNKNOWN, why, required, List.of(Feature.ALL),
                    "check that /etc/os-release exists and is readable", true);
        }
        OsRelease o = os.get();
        return switch (o.family()) {
            case UBUNTU -> ProbeResult.of("os.supported", PASS, o.prettyName(), required, List.of(), "", true);
            case RHEL -> o.majorVersion() >= 8
                    ? ProbeResult.of("os.supported", PASS, o.prettyName(), required, List.of(), "", true)
                    : ProbeResult.of("os.supported", FAIL, o.prettyName(), required, List.of(Feature.ALL),
                    "upgrade to RHEL 8 or 9: older RHEL kernels lack the cgroup socket hooks", true);
            case OTHER -> ProbeResult.of("os.supported", WARN, o.prettyName() + " (not supported by the platform)", required,
                    List.of(), "kube-proxy-free clusters are supported on RHEL and Ubuntu; on this OS kpf "
                            + "judges by kernel >= 5.7.0 and the feature probes, without platform support", false);
        };
    }

    ProbeResult kernelVersion() {
        if (kernel.isEmpty()) {
            String why = kernelText.isEmpty() ? root.read("/proc/sys/kernel/osrelease").describeFailure() : "unparseable release '" + kernelText + "'";
            return ProbeResult.of("kernel.version", UNKNOWN, why, ">= 5.7.0", List.of(Feature.ALL), "", true);
        }
        KernelRelease k = kernel.get();
        OsRelease.Family family = os().map(OsRelease::family).orElse(OsRelease.Family.OTHER);
        if (family == OsRelease.Family.RHEL) {
            return ProbeResult.of("kernel.version", PASS, k + " (RHEL kernel with backported BPF features: the feature probes decide)",
                    "the distribution kernel", List.of(), "", true);
        }
        if (k.compareTo(MINIMUM) >= 0) {
            return ProbeResult.of("kernel.version", PASS, k.text(), ">= 5.7.0", List.of(), "", true);
        }
        String remedy = family == OsRelease.Family.UBUNTU
                ? "Ubuntu with a kernel before 5.7.0 is not supported: install a newer kernel (e.g. the HWE kernel) and reboot"
                : "install a kernel >= 5.7.0 and reboot";
        return ProbeResult.of("kernel.version", FAIL, k.text(), ">= 5.7.0", List.of(Feature.ALL), remedy, true);
    }

    ProbeResult btf() {
        boolean present = root.exists("/sys/kernel/btf/vmlinux");
        return present
                ? ProbeResult.of("bpf.btf", PASS, "/sys/kernel/btf/vmlinux", "kernel BTF", List.of(), "", true)
                : ProbeResult.of("bpf.btf", FAIL, "no /sys/kernel/btf/vmlinux", "kernel BTF", List.of(Feature.CO_RE),
                "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (distribution kernels of Ubuntu 20.10+ and RHEL 8.2+ are)", true);
    }

    ProbeResult bpffs() {
        if (mounts == null) {
            return ProbeResult.of("bpf.fs", UNKNOWN, root.read("/proc/mounts").describeFailure(), "bpffs at /sys/fs/bpf",
                    List.of(Feature.RESTART_SURVIVAL), "", true);
        }
        List<String> points = mounts.lines().map(l -> l.split(" ")).filter(f -> f.length >= 3 && f[2].equals("bpf"))
                .map(f -> f[1]).toList();
        if (points.contains("/sys/fs/bpf")) {
            return ProbeResult.of("bpf.fs", PASS, "bpffs at /sys/fs/bpf", "bpffs at /sys/fs/bpf", List.of(), "", true);
        }
        String observed = points.isEmpty() ? "no bpffs mounted" : "bpffs only at " + String.join(", ", points);
        return ProbeResult.of("bpf.fs", FAIL, observed, "bpffs at /sys/fs/bpf", List.of(Feature.RESTART_SURVIVAL),
                "mount -t bpf bpf /sys/fs/bpf (and add it to /etc/fstab: bpf /sys/fs/bpf bpf defaults 0 0)", true);
    }

    ProbeResult cgroupV2() {
        if (mounts == null) {
            return ProbeResult.of("cgroup.v2", UNKNOWN, root.read("/proc/mounts").describeFailure(), "a cgroup2 mount",
                    List.of(Feature.SOCKET_LB), "", true);
        }
        Optional<String> mount = Cgroup2Mount.fromMounts(mounts);
        if (mount.isEmpty()) {
            return ProbeResult.of("cgroup.v2", FAIL, "cgroup v1 only (no cgroup2 mount)", "a cgroup2 mount",
                    List.of(Feature.SOCKET_LB, Feature.UDP, Feature.PEER_ADDRESS),
                    "boot with systemd.unified_cgroup_hierarchy=1 (unified) or mount -t cgroup2 none /sys/fs/cgroup/unified", true);
        }
        String mode = mount.get().equals("/sys/fs/cgroup") ? "unified" : "hybrid";
        return ProbeResult.of("cgroup.v2", PASS, mount.get() + " (" + mode + ")", "a cgroup2 mount", List.of(), "", true);
    }

    ProbeResult jit(Optional<KernelConfig> config) {
        FileRead r = root.read("/proc/sys/net/core/bpf_jit_enable");
        if (r instanceof FileRead.Content c) {
            String v = c.text().strip();
            return switch (v) {
                case "1", "2" -> ProbeResult.of("bpf.jit", PASS, "bpf_jit_enable=" + v, "JIT on", List.of(), "", false);
                case "0" -> ProbeResult.of("bpf.jit", WARN, "bpf_jit_enable=0 (interpreter)", "JIT on", List.of(Feature.PERFORMANCE),
                        "sysctl -w net.core.bpf_jit_enable=1 (and persist it in /etc/sysctl.d)", false);
                default -> ProbeResult.of("bpf.jit", UNKNOWN, "bpf_jit_enable='" + v + "'", "JIT on", List.of(Feature.PERFORMANCE), "", false);
            };
        }
        if (config.map(k -> k.enabled("CONFIG_BPF_JIT_ALWAYS_ON")).orElse(false)) {
            return ProbeResult.of("bpf.jit", PASS, "CONFIG_BPF_JIT_ALWAYS_ON=y", "JIT on", List.of(), "", false);
        }
        return ProbeResult.of("bpf.jit", UNKNOWN, r.describeFailure(), "JIT on", List.of(Feature.PERFORMANCE), "", false);
    }

    ProbeResult unprivilegedBpf() {
        FileRead r = root.read("/proc/sys/kernel/unprivileged_bpf_disabled");
        String required = "1 or 2 (recommended, not needed by kpf)";
        if (!(r instanceof FileRead.Content c)) {
            return ProbeResult.of("bpf.unprivileged", UNKNOWN, r.describeFailure(), required, List.of(), "", false);
        }
        String v = c.text().strip();
        return v.equals("0")
                ? ProbeResult.of("bpf.unprivileged", WARN, "unprivileged_bpf_disabled=0 (any user may load BPF)", required, List.of(),
                "consider sysctl -w kernel.unprivileged_bpf_disabled=2; kpf runs privileged and does not need unprivileged BPF", false)
                : ProbeResult.of("bpf.unprivileged", PASS, "unprivileged_bpf_disabled=" + v, required, List.of(), "", false);
    }

    /** Effective capabilities of this process, or empty when /proc/self/status cannot be read. */
    Optional<BigInteger> effectiveCaps() {
        if (!(root.read("/proc/self/status") instanceof FileRead.Content c)) return Optional.empty();
        return c.text().lines().filter(l -> l.startsWith("CapEff:")).findFirst()
                .map(l -> l.substring("CapEff:".length()).strip())
                .flatMap(hex -> {
                    try {
                        return Optional.of(new BigInteger(hex, 16));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                });
    }

    /** Capabilities this process lacks for BPF work (CAP_BPF and CAP_PERFMON exist from 5.8; before, CAP_SYS_ADMIN covers them). */
    List<String> missingCaps() {
        Optional<BigInteger> caps = effectiveCaps();
        if (caps.isEmpty()) return List.of("unknown (CapEff unreadable)");
        BigInteger c = caps.get();
        List<String> missing = new ArrayList<>();
        if (!c.testBit(CAP_SYS_ADMIN)) missing.add("CAP_SYS_ADMIN");
        if (!c.testBit(CAP_NET_ADMIN)) missing.add("CAP_NET_ADMIN");
        boolean newCaps = kernel.map(k -> k.atLeast(5, 8, 0)).orElse(true);
        if (newCaps && !c.testBit(CAP_BPF)) missing.add("CAP_BPF");
        if (newCaps && !c.testBit(CAP_PERFMON)) missing.add("CAP_PERFMON");
        return missing;
    }

    ProbeResult caps() {
        String required = "CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_PERFMON";
        Optional<BigInteger> caps = effectiveCaps();
        if (caps.isEmpty()) {
            return ProbeResult.of("caps", UNKNOWN, root.read("/proc/self/status").describeFailure(), required, List.of(), "", false);
        }
        List<String> missing = missingCaps();
        if (missing.isEmpty()) {
            return ProbeResult.of("caps", PASS, "CapEff=" + caps.get().toString(16), required, List.of(), "", false);
        }
        return ProbeResult.of("caps", WARN, "this process lacks " + String.join(", ", missing), required, List.of(),
                "run kpf probe as root so the kernel feature probes can run; the kpf agent needs these capabilities "
                        + "(the DaemonSet in deploy/ grants them)", false);
    }

    ProbeResult memlock() {
        String required = "unlimited or >= 64 MiB before 5.11; not used from 5.11";
        if (kernel.map(k -> k.atLeast(5, 11, 0)).orElse(false)) {
            return ProbeResult.of("memlock", PASS, "kernel >= 5.11 accounts BPF memory to the memory cgroup", required, List.of(), "", false);
        }
        FileRead r = root.read("/proc/self/limits");
        if (!(r instanceof FileRead.Content c)) {
            return ProbeResult.of("memlock", UNKNOWN, r.describeFailure(), required, List.of(Feature.ALL), "", false);
        }
        Optional<String> soft = c.text().lines().filter(l -> l.startsWith("Max locked memory"))
                .map(l -> l.substring("Max locked memory".length()).strip().split("\\s+")[0]).findFirst();
        if (soft.isEmpty()) {
            return ProbeResult.of("memlock", UNKNOWN, "no 'Max locked memory' in /proc/self/limits", required, List.of(Feature.ALL), "", false);
        }
        String v = soft.get();
        boolean enough = v.equals("unlimited") || parseLong(v) >= 64L << 20;
        return enough
                ? ProbeResult.of("memlock", PASS, "RLIMIT_MEMLOCK=" + v, required, List.of(), "", false)
                : ProbeResult.of("memlock", WARN, "RLIMIT_MEMLOCK=" + v + " bytes", required, List.of(Feature.ALL),
                "raise it for the agent: ulimit -l unlimited, or LimitMEMLOCK=infinity in its systemd unit", false);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The kernel config from /proc/config.gz or /boot/config-RELEASE, if either exists. */
    Optional<KernelConfig> kernelConfig() {
        List<String> candidates = new ArrayList<>(List.of("/proc/config.gz"));
        if (!kernelText.isEmpty()) candidates.add("/boot/config-" + kernelText);
        for (String path : candidates) {
            if (root.read(path) instanceof FileRead.Content c) return Optional.of(KernelConfig.parse(path, c.text()));
        }
        return Optional.empty();
    }

    static final List<String> CONFIG_REQUIRED = List.of("CONFIG_BPF", "CONFIG_BPF_SYSCALL", "CONFIG_CGROUP_BPF", "CONFIG_BPF_JIT");
    static final List<String> CONFIG_DEGRADING = List.of("CONFIG_DEBUG_INFO_BTF", "CONFIG_NET_CLS_BPF", "CONFIG_NET_SCH_INGRESS");

    ProbeResult kernelConfig(Optional<KernelConfig> config) {
        String required = String.join(", ", CONFIG_REQUIRED) + "; for tc: CONFIG_NET_CLS_BPF, CONFIG_NET_SCH_INGRESS";
        if (config.isEmpty()) {
            return ProbeResult.of("kernel.config", UNKNOWN, "no /proc/config.gz or /boot/config-" + kernelText, required,
                    List.of(), "informational only: the feature probes test the running kernel directly", false);
        }
        KernelConfig k = config.get();
        List<String> missingRequired = CONFIG_REQUIRED.stream().filter(o -> !k.enabled(o)).toList();
        List<String> missingOther = CONFIG_DEGRADING.stream().filter(o -> !k.enabled(o)).toList();
        if (!missingRequired.isEmpty()) {
            return ProbeResult.of("kernel.config", FAIL, k.source() + " lacks " + String.join(", ", missingRequired), required,
                    List.of(Feature.ALL), "use a kernel built with " + String.join("=y, ", missingRequired) + "=y", false);
        }
        if (!missingOther.isEmpty()) {
            List<Feature> affected = new ArrayList<>();
            if (missingOther.contains("CONFIG_DEBUG_INFO_BTF")) affected.add(Feature.CO_RE);
            if (missingOther.contains("CONFIG_NET_CLS_BPF") || missingOther.contains("CONFIG_NET_SCH_INGRESS")) affected.add(Feature.EXTERNAL_LB);
            return ProbeResult.of("kernel.config", WARN, k.source() + " lacks " + String.join(", ", missingOther), required,
                    affected, "use a kernel built with " + String.join("=y, ", missingOther) + "=y", false);
        }
        return ProbeResult.of("kernel.config", PASS, k.source() + ": all BPF options set", required, List.of(), "", false);
    }
}
