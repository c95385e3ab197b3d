package dev.kpf.cli;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kpf probe}: can this node run without kube-proxy, and if not, why? */
@Command(name = "probe", description = "Check whether this node can run without kube-proxy: OS, kernel, BPF features.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:ready for kube-proxy-free mode", "1:not ready (a probe failed)",
                "2:could not run or could not decide (e.g. not root)", "64:usage error"})
final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the report as JSON (schema kpf.probe/v1).")
    boolean json;

    @Option(names = "--root", paramLabel = "DIR", description = "Read OS and kernel files from DIR instead of / "
            + "(kernel feature probes then report unknown).")
    Path root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (root != null && !Files.isDirectory(root)) {
            spec.commandLine().getErr().println("kpf probe: --root " + root + " is not a directory");
            return ExitCodes.USAGE;
        }
        ProbeReport report = ProbeRunner.forHost(root == null ? HostRoot.live() : new HostRoot(root.toAbsolutePath()));
        if (json) {
            out.println(ProbeJson.render(report));
        } else {
            out.print(new ProbeText(Terminal.colours()).render(report));
        }
        out.flush();
        return report.verdict().exitCode();
    }
}
