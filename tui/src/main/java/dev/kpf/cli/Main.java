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
        if (args.length > 0 && args[0].equals("tui")) {
            // the terminal belongs to the UI: logs go to a file
            setIfAbsent("org.slf4j.simpleLogger.logFile", TuiCommand.logFile().toString());
            setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
            setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        }
        configureLogging(java.util.Arrays.asList(args).contains("--debug"));
        return KpfCommand.commandLine().execute(args);
    }

    /**
     * Logs go to stderr, never into a command's output. libbpf's own messages (expected failures of feature probes
     * among them) are shown only with --debug; errors that matter reach the user as messages of their own.
     */
    static void configureLogging(boolean debug) {
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", debug ? "debug" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.libbpf", debug ? "debug" : "off");
        // the Kubernetes client reports its own shutdown (interrupted threads) as errors; list/watch errors
        // reach the source's status instead
        setIfAbsent("org.slf4j.simpleLogger.log.io.kubernetes.client.informer.cache.Controller", debug ? "debug" : "off");
        setIfAbsent("org.slf4j.simpleLogger.log.io.kubernetes.client.informer.cache.ProcessorListener", debug ? "debug" : "off");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
