package dev.kpf.tui.render;

import java.util.Arrays;

/** A screen's worth of characters with a style each: what the renderers write and the view copies to the terminal. */
public final class Grid {
    private final int width;
    private final int height;
    private final char[] chars;
    private final Style[] styles;

    public Grid(int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("grid " + width + "x" + height);
        this.width = width;
        this.height = height;
        this.chars = new char[width * height];
        this.styles = new Style[width * height];
        Arrays.fill(chars, ' ');
        Arrays.fill(styles, Style.NORMAL);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Writes {@code text} from (col, row), cut at the right edge; returns the column after it. */
    public int put(int col, int row, String text, Style style) {
        if (row < 0 || row >= height) return col;
        int c = col;
        for (int i = 0; i < text.length() && c < width; i++, c++) {
            if (c < 0) continue;
            char ch = text.charAt(i);
            chars[row * width + c] = ch < ' ' ? ' ' : ch;
            styles[row * width + c] = style;
        }
        return c;
    }

    /** Gives a whole row one style (e.g. the selected line), keeping its characters. */
    public void styleRow(int row, Style style) {
        if (row < 0 || row >= height) return;
        Arrays.fill(styles, row * width, (row + 1) * width, style);
    }

    public char charAt(int col, int row) {
        return chars[row * width + col];
    }

    public Style styleAt(int col, int row) {
        return styles[row * width + col];
    }

    public String row(int row) {
        return new String(chars, row * width, width);
    }

    /** Every row with trailing blanks removed, joined by newlines (for golden snapshots). */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < height; r++) b.append(row(r).stripTrailing()).append('\n');
        return b.toString();
    }
}
