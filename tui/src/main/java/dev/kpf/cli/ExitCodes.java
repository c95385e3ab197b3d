package dev.kpf.cli;

/** Exit codes shared by all commands (see DESIGN.md); command-specific codes are documented on each command. */
public final class ExitCodes {
    private ExitCodes() {}

    public static final int OK = 0;
    /** Usage errors: unknown options, bad values. */
    public static final int USAGE = 64;
    /** The command could not do its job (an unexpected error); the message says why. */
    public static final int COULD_NOT_RUN = 2;
}
