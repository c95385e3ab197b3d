package dev.kpf.tui.view;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.Screen;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.render.Glyphs;
import dev.kpf.tui.render.Grid;
import dev.kpf.tui.render.Layout;
import dev.kpf.tui.render.Style;

import java.io.IOException;
import java.util.EnumSet;
import java.util.function.Supplier;

/**
 * The interactive loop on a Lanterna screen: read keys, update the view state, render the latest snapshot and let
 * the screen send only the cells that changed (no flicker). The screen is restored on every way out.
 */
public final class TuiApp {
    /** What keys may ask of the model. */
    public interface Actions {
        void runDoctor();

        void writeBundle();

        /** Tracing is wanted (the Trace pane or a service's detail is shown) or no longer. */
        void tracing(boolean on);

        /** Sets the trace filter; returns the footer message. */
        String traceFilter(String args);
    }

    private final Screen screen;
    private final Supplier<TuiSnapshot> snapshots;
    private final Actions actions;
    private final Glyphs glyphs;
    private final boolean color;
    private ViewState state = ViewState.initial();
    private Layout.Frame frame;
    private boolean resized = true;
    private boolean tracing;
    /** What the Doctor screen last showed: a run that ends and a bundle that arrives replace the "...ing" message. */
    private boolean doctorRunning;
    private String lastBundle;

    public TuiApp(Screen screen, Supplier<TuiSnapshot> snapshots, Actions actions, Glyphs glyphs, boolean color) {
        this.screen = screen;
        this.snapshots = snapshots;
        this.actions = actions;
        this.glyphs = glyphs;
        this.color = color;
    }

    /** Runs until `q`, `:q`, Ctrl-C or end of input; the terminal is restored whatever happens. */
    public void run() throws IOException {
        screen.startScreen();
        try {
            screen.setCursorPosition(null);
            while (step()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            blankBeforeLeaving();
            screen.stopScreen();
        }
    }

    /**
     * Leaves the alternate screen blank with the cursor home: terminals that resize the alternate screen (tmux, xterm)
     * may carry its lines over to the normal one when the window grew, and what they carry is then blank.
     */
    private void blankBeforeLeaving() {
        try {
            screen.clear();
            screen.setCursorPosition(com.googlecode.lanterna.TerminalPosition.TOP_LEFT_CORNER);
            screen.refresh(Screen.RefreshType.COMPLETE);
        } catch (IOException | RuntimeException e) {
            // the terminal may be gone (ssh dropped): leaving the screen is all that is left to try
        }
    }

    /** Handles the pending keys and draws one frame; false once the user quit. */
    public boolean step() throws IOException {
        TerminalSize size = screen.doResizeIfNecessary();
        if (size != null) resized = true;
        if (frame == null) draw();
        for (KeyStroke key = screen.pollInput(); key != null; key = screen.pollInput()) {
            KeyHandler.Result r = KeyHandler.handle(state, key, frame.body().selectableCount(), frame.page(), frame.body().keyOf(frame.state().selected()));
            state = r.state();
            switch (r.action()) {
                case QUIT -> {
                    return false;
                }
                case RUN_DOCTOR -> {
                    actions.runDoctor();
                    state = state.withMessage("running the doctor...");
                }
                case WRITE_BUNDLE -> {
                    actions.writeBundle();
                    state = state.withMessage("writing a support bundle...");
                }
                case TRACE_FILTER -> state = state.withMessage(actions.traceFilter(r.argument()));
                case NONE -> { }
            }
            boolean wanted = state.screen() == ScreenId.TRACE || (state.screen() == ScreenId.SERVICES && state.detailKey() != null);
            if (wanted != tracing) {
                tracing = wanted;
                actions.tracing(wanted);
            }
            draw();
        }
        draw();
        return true;
    }

    public ViewState state() {
        return state;
    }

    private void draw() throws IOException {
        TerminalSize size = screen.getTerminalSize();
        TuiSnapshot snapshot = snapshots.get();
        doctorNews(snapshot.doctor());
        frame = Layout.render(snapshot, state, size.getColumns(), size.getRows(), glyphs);
        state = frame.state();
        Grid g = frame.grid();
        for (int r = 0; r < g.height(); r++) {
            for (int c = 0; c < g.width(); c++) screen.setCharacter(c, r, cell(g.charAt(c, r), g.styleAt(c, r)));
        }
        screen.refresh(resized ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
        resized = false;
    }

    /** The footer says when the doctor finished and where the bundle went, wherever the list is scrolled. */
    private void doctorNews(dev.kpf.tui.model.DoctorView d) {
        if (d == null) return;
        if (doctorRunning && !d.running() && d.report() != null) {
            dev.kpf.diagnostics.DoctorSummary sum = dev.kpf.diagnostics.DoctorSummary.of(d.report());
            state = state.withMessage("doctor: " + dev.kpf.diagnostics.DoctorSummary.count(sum.checks(), "check") + ", "
                    + sum.fail() + " failed, " + dev.kpf.diagnostics.DoctorSummary.count(sum.warn(), "warning"));
        }
        doctorRunning = d.running();
        if (d.bundle() != null && !d.bundle().equals(lastBundle)) state = state.withMessage(d.bundle());
        lastBundle = d.bundle();
    }

    private TextCharacter cell(char ch, Style style) {
        TextColor fg = TextColor.ANSI.DEFAULT, bg = TextColor.ANSI.DEFAULT;
        EnumSet<SGR> sgr = EnumSet.noneOf(SGR.class);
        switch (style) {
            case NORMAL -> { }
            case DIM -> { if (color) fg = TextColor.ANSI.BLACK_BRIGHT; }
            case BOLD -> sgr.add(SGR.BOLD);
            case TITLE -> {
                if (color) { fg = TextColor.ANSI.WHITE_BRIGHT; bg = TextColor.ANSI.BLUE; } else sgr.add(SGR.REVERSE);
            }
            case HEADER -> {
                sgr.add(SGR.BOLD);
                if (color) fg = TextColor.ANSI.CYAN;
            }
            case SELECTED -> {
                if (color) { fg = TextColor.ANSI.BLACK; bg = TextColor.ANSI.CYAN; } else sgr.add(SGR.REVERSE);
            }
            case OK -> { if (color) fg = TextColor.ANSI.GREEN; }
            case WARN -> { if (color) fg = TextColor.ANSI.YELLOW; else sgr.add(SGR.BOLD); }
            case BAD -> {
                sgr.add(SGR.BOLD);
                if (color) fg = TextColor.ANSI.RED;
            }
            case BANNER -> {
                sgr.add(SGR.BOLD);
                if (color) { fg = TextColor.ANSI.BLACK; bg = TextColor.ANSI.YELLOW; } else sgr.add(SGR.REVERSE);
            }
        }
        return new TextCharacter(ch, fg, bg, sgr);
    }
}
