package dev.kpf.tui.render;

import java.util.ArrayList;
import java.util.List;

/** One line of a screen's body: styled spans, and the key of what it shows when the selection can rest on it. */
public record Line(List<Span> spans, String key) {
    public Line {
        spans = List.copyOf(spans);
    }

    /** A run of text in one style. */
    public record Span(String text, Style style) {}

    public boolean selectable() {
        return key != null;
    }

    public static Line of(String text, Style style) {
        return new Line(List.of(new Span(text, style)), null);
    }

    public static Line blank() {
        return of("", Style.NORMAL);
    }

    /** Builds a line from spans. */
    public static final class Builder {
        private final List<Span> spans = new ArrayList<>();

        public Builder add(String text, Style style) {
            spans.add(new Span(text, style));
            return this;
        }

        /** A line the selection can rest on, identified by {@code key}. */
        public Line selectable(String key) {
            return new Line(spans, key);
        }

        public Line build() {
            return new Line(spans, null);
        }
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        spans.forEach(s -> b.append(s.text()));
        return b.toString();
    }
}
