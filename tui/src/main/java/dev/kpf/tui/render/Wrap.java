package dev.kpf.tui.render;

import java.util.ArrayList;
import java.util.List;

/** Text that must be read whole (remedies, a probe's requirement) wrapped at word boundaries instead of cut. */
public final class Wrap {
    private Wrap() {}

    /**
     * {@code lead + text} in lines that fit a body of {@code width} columns (the body starts at column 1); the lines
     * after the first are indented as far as the text starts. A word longer than a line is split.
     */
    public static List<Line> lines(String lead, String text, int width, Style style) {
        int room = Math.max(10, width - 1 - lead.length());
        String indent = " ".repeat(lead.length());
        List<Line> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            while (word.length() > room) {
                if (!line.isEmpty()) {
                    out.add(Line.of((out.isEmpty() ? lead : indent) + line, style));
                    line.setLength(0);
                }
                out.add(Line.of((out.isEmpty() ? lead : indent) + word.substring(0, room), style));
                word = word.substring(room);
            }
            if (!line.isEmpty() && line.length() + 1 + word.length() > room) {
                out.add(Line.of((out.isEmpty() ? lead : indent) + line, style));
                line.setLength(0);
            }
            if (!line.isEmpty()) line.append(' ');
            line.append(word);
        }
        if (!line.isEmpty() || out.isEmpty()) out.add(Line.of((out.isEmpty() ? lead : indent) + line, style));
        return out;
    }
}
