package dev.kpf.cli;

import ch.qos.logback.classic.Level;
import dev.kpf.cli.logging.LogSetup;

import java.util.Optional;

/** Entry point of the {@code kpf} binary. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        logSetup(args).apply();
        return KpfCommand.commandLine(args).execute(args);
    }

    /**
     * Logging is set up before the command line is parsed (parsing itself may log), from the flags picocli will
     * then check ({@code --log-level}, {@code --log-format}, {@code --debug}): the agent logs at info (its syncs),
     * other commands at warn (their output is what they print), always to stderr; the TUI, which owns the
     * terminal, to a file. A value picocli will reject is ignored here.
     */
    static LogSetup logSetup(String... args) {
        String command = args.length > 0 ? args[0] : "";
        Optional<Level> level = Optional.empty();
        Optional<LogSetup.Format> format = Optional.empty();
        boolean debug = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--debug")) debug = true;
            else if (a.startsWith("--log-level=")) level = LogSetup.level(a.substring("--log-level=".length()));
            else if (a.equals("--log-level") && i + 1 < args.length) level = LogSetup.level(args[++i]);
            else if (a.startsWith("--log-format=")) format = LogSetup.format(a.substring("--log-format=".length()));
            else if (a.equals("--log-format") && i + 1 < args.length) format = LogSetup.format(args[++i]);
        }
        Level fallback = debug ? Level.DEBUG : command.equals("agent") || command.equals("tui") ? Level.INFO : Level.WARN;
        // the TUI's log file only when the TUI will run: its help or version leave no file behind
        boolean helpOnly = java.util.Arrays.stream(args).anyMatch(a -> a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version"));
        Optional<java.nio.file.Path> file = command.equals("tui") && !helpOnly ? Optional.of(TuiCommand.logFile()) : Optional.empty();
        return new LogSetup(level.orElse(fallback), format.orElse(LogSetup.Format.TEXT), file);
    }
}
