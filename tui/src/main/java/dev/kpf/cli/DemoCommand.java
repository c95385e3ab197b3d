package dev.kpf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kpf demo ...}: the embedded demo cluster. */
@Command(name = "demo", description = "The embedded demo cluster.", subcommands = {DemoApiServerCommand.class})
final class DemoCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
