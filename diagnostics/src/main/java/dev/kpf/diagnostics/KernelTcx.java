package dev.kpf.diagnostics;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.KernelRelease;
import dev.kpf.probes.probe.LiveKernelFeatures;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.Optional;

/**
 * {@code kernel.tcx}: kpf serves traffic from outside the node (NodePort, ExternalIPs, LoadBalancer IPs) with tc
 * programs attached through tcx links, which kernels have had since 6.6 (on the node itself the kernel's BTF tells,
 * so a backport counts). On an older kernel the agent attaches them
 * as clsact filters instead (tc's classic way): the same programs, kept by the kernel across agent restarts.
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
        String expected = "tcx links (kernel 6.6 or later) or clsact filters for traffic from outside the node";
        if (kernel.isEmpty()) return CheckResult.of(ID, "node", ProbeStatus.UNKNOWN, "kernel release unreadable", expected, "");
        // on the node itself the kernel's BTF answers (backported tcx counts), as it does for the agent; a file tree has its release only
        boolean tcx = (root.isLive() ? LiveKernelFeatures.tcxLinks() : Optional.<Boolean>empty()).orElseGet(() -> supported(kernel.get()));
        if (tcx) return CheckResult.of(ID, "node", ProbeStatus.PASS, kernel.get() + ": tcx links", expected, "");
        return CheckResult.of(ID, "node", ProbeStatus.PASS, kernel.get() + ": no tcx links; the agent attaches the tc programs as clsact filters",
                expected, "");
    }
}
