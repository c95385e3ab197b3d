package dev.kpf.tui.render;

import java.util.List;

/** What a screen shows below the tabs: a title, a column header (may be null) and its lines. */
public record Body(String title, Line columns, List<Line> lines) {
    public Body {
        lines = List.copyOf(lines);
    }

    public int selectableCount() {
        return (int) lines.stream().filter(Line::selectable).count();
    }

    /** The key of the n-th selectable line, or null. */
    public String keyOf(int n) {
        int i = 0;
        for (Line l : lines) {
            if (!l.selectable()) continue;
            if (i++ == n) return l.key();
        }
        return null;
    }

    /** The index in {@link #lines()} of the n-th selectable line, or -1. */
    public int lineOf(int n) {
        int i = 0;
        for (int at = 0; at < lines.size(); at++) {
            if (!lines.get(at).selectable()) continue;
            if (i++ == n) return at;
        }
        return -1;
    }
}
