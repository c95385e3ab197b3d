package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.KernelRelease;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.Optional;

/**
 * {@code kernel.tcx}: kpf serves traffic from outside the node (NodePort, ExternalIPs, LoadBalancer IPs) with tc
 * programs attached through tcx links, which kernels have had since 6.6. On an older kernel only connections that
 * start on the node are load-balanced by kpf (the agent then runs without devices and says so).
 */
public final class KernelTcx {
    public static final String ID = "kernel.tcx";

    private KernelTcx() {}

    /** Whether a kernel release can take tcx links (6.6 or later). */
    public static boolean supported(KernelRelease k) {
        return k.atLeast(6, 6, 0);
    }

    public static CheckResult check(HostRoot root) {
        Optional<KernelRelease> kernel = root.read("/proc/sys/kernel/osrelease") instanceof HostRoot.FileRead.Content c
                ? KernelRelease.parse(c.text()) : Optional.empty();
        String expected = "kernel 6.6 or later (tcx links) for traffic from outside the node";
        if (kernel.isEmpty()) return CheckResult.of(ID, "node", ProbeStatus.UNKNOWN, "kernel release unreadable", expected, "");
        if (supported(kernel.get())) return CheckResult.of(ID, "node", ProbeStatus.PASS, kernel.get() + ": tcx links", expected, "");
        return new CheckResult(ID, "node", ProbeStatus.WARN, kernel.get() + ": no tcx links", expected,
                "kpf load-balances only connections that start on this node; NodePort, ExternalIP and LoadBalancer traffic from other "
                        + "hosts needs the platform's dataplane (anetd) or a kernel >= 6.6 (kpf has no clsact fallback yet)",
                java.util.List.of("external-traffic"));
    }
}
