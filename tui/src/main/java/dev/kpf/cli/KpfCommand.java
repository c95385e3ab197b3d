package dev.kpf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;

/** The top-level {@code kpf} command: only subcommands and the shared options. */
@Command(name = "kpf", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "kube-proxy-free toolkit for bare-metal Kubernetes nodes.",
        subcommands = {TuiCommand.class, ProbeCommand.class, DoctorCommand.class, AgentCommand.class, ServicesCommand.class, TraceCommand.class, DemoCommand.class, BenchCommand.class, VersionCommand.class, CompletionCommand.class},
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

    /** The configured command line: usage errors exit 64, unexpected errors print one line and exit 2. */
    public static CommandLine commandLine() {
        KpfCommand top = new KpfCommand();
        CommandLine cl = new CommandLine(top);
        // every command and subcommand, however deep, answers --help / -h (and --version) like the top level
        helpEverywhere(cl);
        cl.setParameterExceptionHandler((e, args) -> {
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
