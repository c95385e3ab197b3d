package dev.kpf.cli;

/** Whether output goes to a terminal that should get colour: a tty, and NO_COLOR unset. */
final class Terminal {
    private Terminal() {}

    static boolean colours() {
        String noColor = System.getenv("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) return false;
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}
