package dev.kpf.probes.probe;

import dev.kpf.probes.bpf.Libbpf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs every probe against a host root and the kernel's answers, in a stable order, and times the run.
 * {@link #forHost(HostRoot)} picks the live kernel when the root is {@code /} and "not probed" otherwise.
 */
public final class ProbeRunner {
    private ProbeRunner() {}

    /** Probes the host at {@code root}: the live kernel when the root is "/", file probes only otherwise. */
    public static ProbeReport forHost(HostRoot root) {
        if (!root.isLive()) {
            return run(root, KernelFeatures.notProbed("kernel features are probed only on the live system (--root "
                    + root.root() + " is a file tree)"));
        }
        Optional<String> noLibbpf = Libbpf.unavailableReason();
        if (noLibbpf.isPresent()) return run(root, KernelFeatures.notProbed(noLibbpf.get()));
        List<String> missing = new SystemProbes(root).missingCaps();
        String privilegeProblem = missing.isEmpty() ? null : "this process lacks " + String.join(", ", missing);
        LiveKernelFeatures kernel = new LiveKernelFeatures(privilegeProblem);
        Thread slow = kernel.startSlowAnswers();
        try {
            return run(root, kernel);
        } finally {
            // the run asked for both answers and so waited for them; joined again for a run that threw before
            joinUninterruptibly(slow);
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    public static ProbeReport run(HostRoot root, KernelFeatures kernel) {
        long start = System.nanoTime();
        SystemProbes system = new SystemProbes(root);
        FeatureProbes features = new FeatureProbes(kernel);
        Optional<KernelConfig> config = system.kernelConfig();
        List<ProbeResult> results = new ArrayList<>();
        results.add(system.osSupported());
        results.add(system.kernelVersion());
        results.add(libbpf());
        results.add(features.bpfSyscall());
        results.add(system.btf());
        results.add(system.bpffs());
        results.add(system.cgroupV2());
        results.add(system.jit(config));
        results.add(system.unprivilegedBpf());
        results.add(system.caps());
        results.add(system.memlock());
        results.add(features.programTypes());
        results.add(features.mapTypes());
        results.add(features.helpers());
        results.add(features.attachTypes());
        results.add(features.tc());
        results.add(features.socketDestroy());
        results.add(system.kernelConfig(config));
        Optional<OsRelease> os = system.os();
        HostSummary host = new HostSummary(root.root().toString(),
                os.map(OsRelease::prettyName).orElse("unknown"), os.map(OsRelease::id).orElse("unknown"),
                os.map(OsRelease::versionId).orElse(""), system.kernelText(), Libbpf.version().orElse("unavailable"));
        return new ProbeReport(host, results, Duration.ofNanos(System.nanoTime() - start));
    }

    private static ProbeResult libbpf() {
        Optional<String> problem = Libbpf.unavailableReason();
        return problem.isEmpty()
                ? ProbeResult.of("libbpf", ProbeStatus.PASS, "libbpf " + Libbpf.version().orElse("?"), "libbpf.so.1 (>= 1.0)", List.of(), "", true)
                : ProbeResult.of("libbpf", ProbeStatus.FAIL, problem.get(), "libbpf.so.1 (>= 1.0)", List.of(Feature.ALL),
                "apt-get install libbpf1 (Debian/Ubuntu) or dnf install libbpf (RHEL)", true);
    }
}
