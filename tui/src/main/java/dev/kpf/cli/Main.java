package dev.kpf.cli;

import picocli.CommandLine;

/** Entry point of the {@code kpf} binary. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return KpfCommand.commandLine().execute(args);
    }
}
