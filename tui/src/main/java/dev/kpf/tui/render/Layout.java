package dev.kpf.tui.render;

import dev.kpf.tui.model.Header;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.view.ScreenId;
import dev.kpf.tui.view.ViewState;

import java.util.List;

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
            // the banner says what and why (with what to do): wrapped where it does not fit, never cut
            for (Line l : Wrap.lines("", "SIMULATED MAPS, nothing in the kernel: " + s.header().simulatedWhy(), width, Style.BANNER)) {
                if (row >= height) break;
                grid.styleRow(row, Style.BANNER);
                grid.put(1, row++, l.text(), Style.BANNER);
            }
        }
        if (row < height) tabs(grid, row++, v.screen());
        Body body = body(s, v, width, g);
        if (row < height) grid.put(0, row++, body.title(), Style.BOLD);
        if (body.columns() != null && row < height) draw(grid, row++, body.columns());
        List<String> footer = footerLines(v, width);
        int page = Math.max(1, height - row - footer.size());
        int selectable = body.selectableCount();
        int selected = selectable == 0 ? 0 : Math.min(v.selected(), selectable - 1);
        int line = Math.max(0, body.lineOf(selected));
        int top = v.top();
        if (line < top) top = line;
        // what belongs to the selected line (a check's fix under it) comes into view with it, where it fits
        int last = line;
        while (last + 1 < body.lines().size() && !body.lines().get(last + 1).selectable() && last + 1 - line < page) last++;
        if (last >= top + page) top = Math.min(line, last - page + 1);
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
        footer(grid, height - footer.size(), footer, v, body, top, page);
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
        // cut with an ellipsis, so that a cut kernel release never reads as another release
        grid.put(0, row, g.fit(" kpf" + sep + h.node() + sep + "agent " + h.agent() + sep + h.source() + sep + h.kernel(), grid.width()), Style.TITLE);
    }

    private static void tabs(Grid grid, int row, ScreenId current) {
        int col = 1;
        for (ScreenId id : ScreenId.values()) {
            String label = " " + (id.ordinal() + 1) + " " + id.title + " ";
            col = grid.put(col, row, label, id == current ? Style.SELECTED : Style.DIM) + 1;
        }
    }

    /** The footer's text: one line, or a message wrapped to at most three (a message is never cut). */
    private static List<String> footerLines(ViewState v, int width) {
        String text = switch (v.mode()) {
            case FILTER -> "/" + v.input() + "_   (Enter: keep, Esc: clear)";
            case COMMAND -> ":" + v.input() + "_   " + (v.input().isEmpty() || v.input().contains(" ") ? "(:svc :no :kernel :ds :doctor :trace :q; Tab completes)"
                    : String.join(" ", dev.kpf.tui.view.Palette.candidates(v.input())));
            case BROWSE -> v.message().isEmpty() ? "? help  : cmd  / filter  Enter open  Esc back  Tab next  q quit" : v.message();
        };
        if (v.mode() != ViewState.Mode.BROWSE || v.message().isEmpty()) return List.of(text);
        List<String> lines = Wrap.lines("", text, width, Style.BOLD).stream().map(Line::text).toList();
        return lines.subList(0, Math.min(3, lines.size()));
    }

    private static void footer(Grid grid, int row, List<String> lines, ViewState v, Body body, int top, int page) {
        String position = body.lines().size() > page ? " " + (top + 1) + "-" + Math.min(body.lines().size(), top + page) + "/" + body.lines().size() : "";
        boolean hint = v.mode() == ViewState.Mode.BROWSE && v.message().isEmpty();
        for (int i = 0; i < lines.size(); i++) {
            grid.styleRow(row + i, Style.DIM);
            grid.put(0, row + i, " " + lines.get(i), hint ? Style.DIM : Style.BOLD);
        }
        int last = row + lines.size() - 1;
        if (!position.isEmpty() && grid.width() > position.length() + 40 && lines.getLast().length() + position.length() + 3 < grid.width()) {
            grid.put(grid.width() - position.length() - 1, last, position, Style.DIM);
        }
    }
}
