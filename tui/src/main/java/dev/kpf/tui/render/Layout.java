package dev.kpf.tui.render;

import dev.kpf.tui.model.Header;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.view.ScreenId;
import dev.kpf.tui.view.ViewState;

/**
 * Puts a frame together: the header, the simulated-maps banner, the screen tabs, the current screen's body scrolled
 * to keep the selection visible, the footer (hints, the filter or command being typed, a message) and the help
 * overlay. Pure: snapshot and view state in, grid out.
 */
public final class Layout {
    private Layout() {}

    /** The rendered grid, the body it shows, how many body lines fit, and the view state with its scroll corrected. */
    public record Frame(Grid grid, Body body, int page, ViewState state) {}

    public static Body body(TuiSnapshot s, ViewState v, int width, Glyphs g) {
        return switch (v.screen()) {
            case SERVICES -> ServicesScreen.render(s, v, width, g);
            case NODE -> NodeScreen.render(s.node(), width, g);
            case KERNEL -> KernelScreen.render(s.kernel(), v, width, g);
            case DAEMONSETS -> DaemonSetsScreen.render(s.daemonSets(), width, g);
            case DOCTOR -> DoctorScreen.render(s.doctor(), v, width, g);
            case TRACE -> TraceScreen.render(s.trace(), v, width, g);
        };
    }

    public static Frame render(TuiSnapshot s, ViewState v, int width, int height, Glyphs g) {
        Grid grid = new Grid(width, height);
        int row = 0;
        header(grid, row++, s.header(), g);
        if (s.header().simulated()) {
            // the banner says why and what to do: shortened to one line where that is enough, else wrapped, never cut
            String why = "(" + s.header().simulatedWhy() + ")";
            String full = "nothing is programmed in the kernel " + why;
            boolean fits = "SIMULATED MAPS: ".length() + full.length() < width;
            for (Line l : Wrap.lines(fits ? "SIMULATED MAPS: " : "SIMULATED MAPS ", fits ? full : why, width, Style.BANNER)) {
                if (row >= height) break;
                grid.styleRow(row, Style.BANNER);
                grid.put(1, row++, l.text(), Style.BANNER);
            }
        }
        if (row < height) tabs(grid, row++, v.screen());
        Body body = body(s, v, width, g);
        if (row < height) grid.put(0, row++, body.title(), Style.BOLD);
        if (body.columns() != null && row < height) draw(grid, row++, body.columns());
        int page = Math.max(1, height - row - 1);
        int selectable = body.selectableCount();
        int selected = selectable == 0 ? 0 : Math.min(v.selected(), selectable - 1);
        int line = Math.max(0, body.lineOf(selected));
        int top = v.top();
        if (line < top) top = line;
        if (line >= top + page) top = line - page + 1;
        top = Math.max(0, Math.min(top, Math.max(0, body.lines().size() - page)));
        for (int i = 0; i < page && top + i < body.lines().size(); i++) {
            Line l = body.lines().get(top + i);
            draw(grid, row + i, l);
            if (l.selectable() && top + i == line && selectable > 0) {
                grid.styleRow(row + i, Style.SELECTED);
                grid.put(0, row + i, g.pointer(), Style.SELECTED);
            }
        }
        footer(grid, height - 1, v, body, top, page);
        if (v.help()) HelpOverlay.draw(grid);
        return new Frame(grid, body, page, v.withSelection(selected, top));
    }

    private static void draw(Grid grid, int row, Line l) {
        int col = 1;
        for (Line.Span span : l.spans()) col = grid.put(col, row, span.text(), span.style());
    }

    private static void header(Grid grid, int row, Header h, Glyphs g) {
        grid.styleRow(row, Style.TITLE);
        String sep = " | ";
        grid.put(0, row, " kpf" + sep + h.node() + sep + "agent " + h.agent() + sep + h.source() + sep + h.kernel(), Style.TITLE);
    }

    private static void tabs(Grid grid, int row, ScreenId current) {
        int col = 1;
        for (ScreenId id : ScreenId.values()) {
            String label = " " + (id.ordinal() + 1) + " " + id.title + " ";
            col = grid.put(col, row, label, id == current ? Style.SELECTED : Style.DIM) + 1;
        }
    }

    private static void footer(Grid grid, int row, ViewState v, Body body, int top, int page) {
        String text = switch (v.mode()) {
            case FILTER -> "/" + v.input() + "_   (Enter: keep, Esc: clear)";
            case COMMAND -> ":" + v.input() + "_   " + (v.input().isEmpty() || v.input().contains(" ") ? "(:svc :no :kernel :ds :doctor :trace :q; Tab completes)"
                    : String.join(" ", dev.kpf.tui.view.Palette.candidates(v.input())));
            case BROWSE -> v.message().isEmpty() ? "? help  : cmd  / filter  Enter open  Esc back  Tab next  q quit" : v.message();
        };
        String position = body.lines().size() > page ? " " + (top + 1) + "-" + Math.min(body.lines().size(), top + page) + "/" + body.lines().size() : "";
        grid.styleRow(row, Style.DIM);
        grid.put(0, row, " " + text, v.mode() == ViewState.Mode.BROWSE && v.message().isEmpty() ? Style.DIM : Style.BOLD);
        if (!position.isEmpty() && grid.width() > position.length() + 40) grid.put(grid.width() - position.length() - 1, row, position, Style.DIM);
    }
}
