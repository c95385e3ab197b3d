package dev.kpf.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.render.Glyphs;
import dev.kpf.tui.view.TuiApp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The real TUI loop on Lanterna's virtual terminal: keys in, the character grid out. */
final class VirtualTui {
    final DefaultVirtualTerminal terminal;
    final TuiApp app;
    final List<String> actions = new ArrayList<>();
    private final TerminalScreen screen;
    boolean running = true;

    VirtualTui(int columns, int rows, Supplier<TuiSnapshot> snapshots, Glyphs glyphs, boolean color) throws IOException {
        terminal = new DefaultVirtualTerminal(new TerminalSize(columns, rows));
        screen = new TerminalScreen(terminal);
        screen.startScreen();
        app = new TuiApp(screen, snapshots, new TuiApp.Actions() {
            public void runDoctor() {
                actions.add("doctor");
            }

            public void writeBundle() {
                actions.add("bundle");
            }

            public void tracing(boolean on) {
                actions.add(on ? "trace on" : "trace off");
            }

            public String traceFilter(String args) {
                actions.add("trace filter " + args);
                return "trace: " + args;
            }
        }, glyphs, color);
        step();
    }

    VirtualTui step() throws IOException {
        running = app.step();
        return this;
    }

    /** Types the characters (and named keys: "<Enter>", "<Esc>", "<Down>", "<Tab>", "<PgDn>", "<Backspace>"), then steps. */
    VirtualTui keys(String... keys) throws IOException {
        for (String k : keys) {
            KeyStroke stroke = switch (k) {
                case "<Enter>" -> new KeyStroke(KeyType.Enter);
                case "<Esc>" -> new KeyStroke(KeyType.Escape);
                case "<Down>" -> new KeyStroke(KeyType.ArrowDown);
                case "<Up>" -> new KeyStroke(KeyType.ArrowUp);
                case "<Tab>" -> new KeyStroke(KeyType.Tab);
                case "<PgDn>" -> new KeyStroke(KeyType.PageDown);
                case "<Backspace>" -> new KeyStroke(KeyType.Backspace);
                default -> null;
            };
            if (stroke != null) terminal.addInput(stroke);
            else for (char c : k.toCharArray()) terminal.addInput(new KeyStroke(c, false, false));
        }
        return step();
    }

    VirtualTui resize(int columns, int rows) throws IOException {
        terminal.setTerminalSize(new TerminalSize(columns, rows));
        return step();
    }

    TextCharacter at(int column, int row) {
        return terminal.getCharacter(column, row);
    }

    /** The visible grid, trailing blanks removed from each row. */
    String text() {
        TerminalSize size = terminal.getTerminalSize();
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < size.getRows(); r++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < size.getColumns(); c++) line.append(terminal.getCharacter(c, r).getCharacterString());
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    String row(int r) {
        return text().lines().toList().get(r);
    }
}
