package dev.kpf.tui.render;

import dev.kpf.tui.view.KeyHandler;

/** The `?` overlay: every key, in a box over the middle of the screen. */
public final class HelpOverlay {
    private HelpOverlay() {}

    public static void draw(Grid grid) {
        String[][] keys = KeyHandler.KEYS;
        int keyWidth = 0, textWidth = 0;
        for (String[] k : keys) {
            keyWidth = Math.max(keyWidth, k[0].length());
            textWidth = Math.max(textWidth, k[1].length());
        }
        int w = Math.min(grid.width(), keyWidth + textWidth + 6);
        int h = Math.min(grid.height(), keys.length + 4);
        int left = Math.max(0, (grid.width() - w) / 2), top = Math.max(0, (grid.height() - h) / 2);
        for (int r = 0; r < h; r++) {
            grid.put(left, top + r, " ".repeat(w), Style.BANNER);
        }
        grid.put(left + 2, top, " keys (any key closes) ", Style.BANNER);
        for (int i = 0; i < keys.length && i + 2 < h - 1; i++) {
            grid.put(left + 2, top + 2 + i, String.format("%-" + keyWidth + "s  %s", keys[i][0], keys[i][1]), Style.BANNER);
        }
    }
}
