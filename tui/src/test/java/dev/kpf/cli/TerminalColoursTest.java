package dev.kpf.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: colour only where the terminal can show it and the user did not refuse it (NO_COLOR, TERM=dumb). */
class TerminalColoursTest {
    @Test
    void no_color_and_a_dumb_or_unknown_terminal_get_monochrome() {
        assertTrue(Terminal.colourWanted(Map.of("TERM", "xterm-256color")));
        assertTrue(Terminal.colourWanted(Map.of("TERM", "screen", "NO_COLOR", "")), "an empty NO_COLOR does not count (no-color.org)");
        assertFalse(Terminal.colourWanted(Map.of("TERM", "xterm-256color", "NO_COLOR", "1")));
        assertFalse(Terminal.colourWanted(Map.of("TERM", "dumb")));
        assertFalse(Terminal.colourWanted(Map.of()), "no TERM at all");
    }
}
