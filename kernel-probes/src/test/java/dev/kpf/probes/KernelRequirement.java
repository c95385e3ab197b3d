package dev.kpf.probes;

import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.bpf.PinDirectory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gate for tests that need root, BPF, bpffs or the cgroup v2 hierarchy. Outside CI a test that cannot run is
 * reported as skipped with the reason; under CI ({@code -Dkpf.requireKernel=true}, set from CI=true) it fails.
 */
public final class KernelRequirement {
    private KernelRequirement() {}

    public static boolean enforced() {
        return "true".equalsIgnoreCase(System.getProperty("kpf.requireKernel"))
                || "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Stops the calling test unless this process is root with bpffs and cgroup v2 available. */
    public static void requireBpf() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) missing.add("root (CAP_BPF, CAP_SYS_ADMIN, CAP_NET_ADMIN)");
        if (!new PinDirectory(Path.of("/sys/fs/bpf/kpf")).onBpffs()) missing.add("bpffs at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)");
        if (Cgroup2Mount.find().isEmpty()) missing.add("a cgroup2 mount");
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) missing.add("kernel BTF (/sys/kernel/btf/vmlinux)");
        unless(missing);
    }

    /**
     * Whether the running kernel is at least {@code major.minor} (the feature floors the kernel matrix meets: tcx 6.6,
     * bpf_sock_destroy 6.5, bpf_set_retval 5.18); an unparseable release counts as new.
     */
    public static boolean kernelAtLeast(int major, int minor) {
        return dev.kpf.probes.probe.KernelRelease.parse(System.getProperty("os.version")).map(k -> k.atLeast(major, minor, 0)).orElse(true);
    }

    /** Stops the calling test unless {@code command} is on the PATH. */
    public static void requireCommand(String command) {
        boolean found = System.getenv().getOrDefault("PATH", "/usr/bin:/bin").lines()
                .flatMap(p -> List.of(p.split(":")).stream())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
        unless(found ? List.of() : List.of(command + " on the PATH (run ./run-tests, which installs it)"));
    }

    private static void unless(List<String> missing) {
        if (missing.isEmpty()) return;
        String reason = "needs " + String.join(", ", missing);
        if (enforced()) Assertions.fail("CI=true and this test cannot run: " + reason);
        Assumptions.abort(reason);
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> l.split("\\s+")[2].equals("0")).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }
}
