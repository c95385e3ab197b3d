package dev.kpf.cli;

import java.util.Map;

/** Whether output should get colour: the user did not refuse it (NO_COLOR), the terminal can show it, and it is a tty. */
final class Terminal {
    private Terminal() {}

    /** Colour for text output: a tty, and {@link #colourWanted} for this process's environment. */
    static boolean colours() {
        java.io.Console c = System.console();
        return colourWanted(System.getenv()) && c != null && c.isTerminal();
    }

    /**
     * Whether the environment allows colour: NO_COLOR unset or empty (no-color.org), and TERM names a terminal that
     * is not {@code dumb}. Monochrome output keeps bold and reverse video.
     */
    static boolean colourWanted(Map<String, String> env) {
        String noColor = env.get("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) return false;
        String term = env.getOrDefault("TERM", "");
        return !term.isEmpty() && !term.equals("dumb");
    }
}
