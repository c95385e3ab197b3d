package dev.kpf.tui.render;

import java.util.List;
import java.util.stream.IntStream;

/**
 * What a screen shows below the tabs: a title, a column header (may be null), its lines and which of them the
 * selection can rest on. Lines may be built lazily (a long list renders only the lines that are on screen).
 */
public record Body(String title, Line columns, List<Line> lines, int[] selectable) {
    /** A body whose lines are all built: the selectable ones are found by looking. */
    public static Body of(String title, Line columns, List<Line> lines) {
        List<Line> copy = List.copyOf(lines);
        return new Body(title, columns, copy, IntStream.range(0, copy.size()).filter(i -> copy.get(i).selectable()).toArray());
    }

    public int selectableCount() {
        return selectable.length;
    }

    /** The key of the n-th selectable line, or null. */
    public String keyOf(int n) {
        return n >= 0 && n < selectable.length ? lines.get(selectable[n]).key() : null;
    }

    /** The index in {@link #lines()} of the n-th selectable line, or -1. */
    public int lineOf(int n) {
        return n >= 0 && n < selectable.length ? selectable[n] : -1;
    }
}
