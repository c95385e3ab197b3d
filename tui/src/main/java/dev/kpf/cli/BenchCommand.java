package dev.kpf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kpf bench ...}: measurements of kpf against the real alternative, on this node, in one run. */
@Command(name = "bench", description = "Benchmarks: kpf against the real alternative on this node.",
        subcommands = {ProbeBenchCommand.class, TranslateBenchCommand.class, SyncBenchCommand.class, ConnectBenchCommand.class, MemoryBenchCommand.class, TuiBenchCommand.class, ExternalBenchCommand.class, ChurnBenchCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
