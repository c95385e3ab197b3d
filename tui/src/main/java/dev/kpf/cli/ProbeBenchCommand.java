package dev.kpf.cli;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpf bench probe}: how long a full probe run takes, warm (in this JVM) and cold (a new {@code kpf probe}
 * process), next to {@code bpftool feature probe kernel}, the standard tool for the same kernel questions.
 */
@Command(name = "probe", description = "Time kpf probe (warm and cold) against bpftool feature probe.")
final class ProbeBenchCommand implements Callable<Integer> {
    static final long WARM_TARGET_MS = 1000, COLD_TARGET_MS = 2000;
    /** Issue 20: a cold kpf probe at most twice bpftool's time. */
    static final double COLD_RATIO_TARGET = 2.0;

    @Option(paramLabel = "N", names = "--runs", defaultValue = "10", description = "Runs of each variant (default ${DEFAULT-VALUE}).")
    int runs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || runs > 1000) throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be 1..1000");
        PrintWriter out = spec.commandLine().getOut();

        long[] warm = new long[runs];
        long start = System.nanoTime();
        ProbeReport first = ProbeRunner.forHost(HostRoot.live());
        long firstMs = (System.nanoTime() - start) / 1_000_000;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            ProbeRunner.forHost(HostRoot.live());
            warm[i] = (System.nanoTime() - t) / 1_000_000;
        }
        long[] cold = timeCommand(kpfCommand());
        Optional<Path> bpftool = findOnPath("bpftool");
        long[] alternative = bpftool.isPresent() ? timeCommand(List.of(bpftool.get().toString(), "feature", "probe", "kernel")) : null;

        out.printf("kpf bench probe: %d runs each; %s, kernel %s; verdict %s%n", runs, first.host().os(), first.host().kernel(),
                first.verdict().label());
        out.printf("cold process: %s%n%n", String.join(" ", kpfCommand()) + (System.getenv("KPF_HOME") != null
                ? " (bin/kpf: ahead-of-time cache unless KPF_AOT=0, C1 only for one-shot commands)" : ""));
        out.printf("%-40s %8s %8s %8s%n", "variant", "median", "p90", "min");
        out.printf("%-40s %8s %8s %8s%n", "kpf probe, first run in a new JVM", firstMs + " ms", "", "");
        row(out, "kpf probe, in-process (warm)", warm);
        row(out, "kpf probe, new process (cold)", cold);
        if (alternative != null) row(out, "bpftool feature probe kernel", alternative);
        out.println();
        out.printf("target warm < %d ms: %s (median %d ms)%n", WARM_TARGET_MS, median(warm) < WARM_TARGET_MS ? "met" : "MISSED", median(warm));
        out.printf("target cold < %d ms: %s (median %d ms)%n", COLD_TARGET_MS, median(cold) < COLD_TARGET_MS ? "met" : "MISSED", median(cold));
        if (alternative != null) {
            double ratio = (double) median(cold) / Math.max(1, median(alternative));
            out.printf("ratio cold kpf probe / bpftool feature probe: %.2fx (target <= %.0fx: %s)%n", ratio, COLD_RATIO_TARGET,
                    ratio <= COLD_RATIO_TARGET ? "met" : "MISSED");
        } else {
            out.println("bpftool not found: no comparison (apt-get install bpftool)");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The kpf launcher when run through bin/kpf (KPF_HOME), else this JVM's java with the same jar. */
    private static List<String> kpfCommand() {
        String home = System.getenv("KPF_HOME");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "kpf"))) {
            return List.of(Path.of(home, "bin", "kpf").toString(), "probe", "--json");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = new File(KpfCommand.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", jar, Main.class.getName(), "probe", "--json");
    }

    /** Runs {@code command} {@link #runs} times, output discarded, each bounded to 60 s; wall time per run in ms. */
    private long[] timeCommand(List<String> command) throws Exception {
        long[] ms = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " took over 60 s");
            }
            ms[i] = (System.nanoTime() - t) / 1_000_000;
        }
        return ms;
    }

    private static void row(PrintWriter out, String name, long[] ms) {
        out.printf("%-40s %8s %8s %8s%n", name, median(ms) + " ms", Percentiles.of(ms, 90) + " ms", Percentiles.min(ms) + " ms");
    }

    static long median(long[] ms) {
        return Percentiles.of(ms, 50);
    }

    private static Optional<Path> findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
