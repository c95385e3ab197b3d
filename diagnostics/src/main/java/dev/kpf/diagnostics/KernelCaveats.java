package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.KernelRelease;
import dev.kpf.probes.probe.OsRelease;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.Map;
import java.util.Optional;

/**
 * {@code kernel.socket-lb-nfs-smb}: socket-level load balancing rewrites the address of kernel sockets too, which
 * breaks kernel NFS and SMB clients that mount through a ClusterIP unless the kernel carries the fix ("net: Avoid
 * address overwrite in kernel_connect", upstream 6.6). Distributions backported it at these patch levels (as
 * Cilium publishes them): Ubuntu 5.4.0-187, 5.15.0-113, 6.5.0-41; RHEL 8 4.18.0-553.8.1; RHEL 9 5.14.0-427.31.1.
 */
public final class KernelCaveats {
    private KernelCaveats() {}

    static final String ID = "kernel.socket-lb-nfs-smb";
    private static final Map<String, String> UBUNTU = Map.of("5.4.0", "187", "5.15.0", "113", "6.5.0", "41");
    private static final Map<String, String> RHEL = Map.of("4.18.0", "553.8.1", "5.14.0", "427.31.1");

    public static CheckResult check(HostRoot root) {
        Optional<OsRelease> os = root.read("/etc/os-release") instanceof HostRoot.FileRead.Content c ? OsRelease.parse(c.text()) : Optional.empty();
        Optional<KernelRelease> kernel = root.read("/proc/sys/kernel/osrelease") instanceof HostRoot.FileRead.Content c
                ? KernelRelease.parse(c.text()) : Optional.empty();
        String expected = "the kernel_connect fix (upstream 6.6; Ubuntu 5.4.0-187, 5.15.0-113, 6.5.0-41; RHEL 8 4.18.0-553.8.1; RHEL 9 5.14.0-427.31.1)";
        if (kernel.isEmpty()) return CheckResult.of(ID, "node", ProbeStatus.UNKNOWN, "kernel release unreadable", expected, "");
        KernelRelease k = kernel.get();
        String base = k.major() + "." + k.minor() + "." + k.patch();
        if (k.atLeast(6, 6, 0)) return CheckResult.of(ID, "node", ProbeStatus.PASS, k + " (upstream fix included)", expected, "");
        OsRelease.Family family = os.map(OsRelease::family).orElse(OsRelease.Family.OTHER);
        String needed = switch (family) {
            case UBUNTU -> UBUNTU.get(base);
            case RHEL -> RHEL.get(base);
            case OTHER -> null;
        };
        String remedy = "kernel NFS/SMB clients that mount through a ClusterIP break with socket-level load balancing on this kernel: "
                + "update the kernel" + (needed == null ? " to 6.6 or a distribution kernel with the fix" : " to " + base + "-" + needed + " or later")
                + ", or mount those shares by pod/endpoint address";
        if (needed == null) {
            return CheckResult.of(ID, "node", ProbeStatus.WARN, k + ": no known fixed patch level for this kernel line", expected, remedy);
        }
        String patch = k.suffix().replaceFirst("^-", "");
        boolean fixed = compareDotted(patch, needed) >= 0;
        return fixed ? CheckResult.of(ID, "node", ProbeStatus.PASS, k + " (at or above " + base + "-" + needed + ")", expected, "")
                : CheckResult.of(ID, "node", ProbeStatus.WARN, k + " is below " + base + "-" + needed, expected, remedy);
    }

    /** Compares leading dot-separated numbers of a distribution suffix ("553.8.1.el8_10.x86_64" vs "553.8.1"). */
    static int compareDotted(String have, String need) {
        String[] h = have.split("[.-]"), n = need.split("\\.");
        for (int i = 0; i < n.length; i++) {
            long hv = i < h.length && h[i].matches("\\d+") ? Long.parseLong(h[i]) : -1;
            long nv = Long.parseLong(n[i]);
            if (hv != nv) return Long.compare(hv, nv);
        }
        return 0;
    }
}
