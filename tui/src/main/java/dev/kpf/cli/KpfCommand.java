package dev.kpf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.Supplier;

/** The top-level {@code kpf} command: only subcommands and the shared options. */
@Command(name = "kpf", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "kube-proxy-free toolkit for bare-metal Kubernetes nodes.",
        exitCodeOnInvalidInput = ExitCodes.USAGE, exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:success", "64:usage error", "2:could not run (see the command's own codes)"})
public final class KpfCommand implements Runnable {
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of errors; log at debug.")
    boolean debug;

    /** The levels {@code --log-level} takes (read before parsing by {@link Main#logSetup}; declared here so picocli checks them). */
    enum LogLevel { error, warn, info, debug, trace }

    enum LogFormat { text, json }

    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "Log level: ${COMPLETION-CANDIDATES} (default: info for agent and tui, warn for the others; --debug means debug).")
    LogLevel logLevel;

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Log records, one per line on stderr: ${COMPLETION-CANDIDATES} (text: key=value; default text).")
    LogFormat logFormat;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static void helpEverywhere(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions()) sub.getCommandSpec().mixinStandardHelpOptions(true);
            sub.getCommandSpec().versionProvider(new VersionCommand.Provider());
            helpEverywhere(sub);
        }
    }

    /** A subcommand: its name (as its {@code @Command} says; CliConventionsTest checks) and how to make it. */
    record Subcommand(String name, Supplier<Object> make) {}

    /** The subcommands, in the order help lists them. */
    static final List<Subcommand> SUBCOMMANDS = List.of(
            new Subcommand("tui", TuiCommand::new), new Subcommand("probe", ProbeCommand::new),
            new Subcommand("doctor", DoctorCommand::new), new Subcommand("agent", AgentCommand::new),
            new Subcommand("services", ServicesCommand::new), new Subcommand("trace", TraceCommand::new),
            new Subcommand("demo", DemoCommand::new), new Subcommand("bench", BenchCommand::new),
            new Subcommand("version", VersionCommand::new), new Subcommand("completion", CompletionCommand::new));

    /** The configured command line with every subcommand: usage errors exit 64, unexpected errors print one line and exit 2. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: when the first argument names a subcommand, only that one is built.
     * picocli reflects over every command it is given, which costs a cold process about 60 ms for all of them;
     * anything else (top-level options first, a typo that wants suggestions, help) gets every subcommand.
     */
    public static CommandLine commandLine(String... args) {
        KpfCommand top = new KpfCommand();
        CommandLine cl = new CommandLine(top);
        String first = args.length > 0 ? args[0] : "";
        boolean one = SUBCOMMANDS.stream().anyMatch(c -> c.name().equals(first)) && !first.equals("completion");
        for (Subcommand c : SUBCOMMANDS) if (!one || c.name().equals(first)) cl.addSubcommand(c.name(), c.make().get());
        // every command and subcommand, however deep, answers --help / -h (and --version) like the top level
        helpEverywhere(cl);
        cl.setParameterExceptionHandler((e, given) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(e.getCommandLine().getCommandSpec().qualifiedName() + ": " + e.getMessage());
            // a typo gets picocli's suggestions (kpf prob: did you mean probe?)
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                err.println("did you mean: " + String.join(", ", u.getSuggestions()) + "?");
            }
            err.println("(see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            if (top.debug) e.printStackTrace(err);
            else err.println("(run with --debug for the stack trace)");
            err.flush();
            return ExitCodes.COULD_NOT_RUN;
        });
        return cl;
    }
}
