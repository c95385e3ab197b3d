package dev.kpf.tui.render;

/**
 * The characters that differ between a UTF-8 terminal and a plain one: sparkline levels (lowest first), the marks
 * for good and bad, the selection pointer and the ellipsis.
 */
public record Glyphs(String levels, String ok, String bad, String pointer, String ellipsis, String rule) {
    public static final Glyphs UNICODE = new Glyphs("▁▂▃▄▅▆▇█", "✓", "✗", "▶", "…", "─");
    public static final Glyphs ASCII = new Glyphs("_.-~=+*#", "ok", "!!", ">", "~", "-");

    /** UTF-8 glyphs when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG), ASCII otherwise. */
    public static Glyphs forLocale(java.util.Map<String, String> env) {
        for (String var : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
            String v = env.get(var);
            if (v != null && !v.isEmpty()) return v.toUpperCase(java.util.Locale.ROOT).replace("-", "").contains("UTF8") ? UNICODE : ASCII;
        }
        return ASCII;
    }

    /** A sparkline of the last {@code width} values, scaled to the largest of them; blank where there is no value. */
    public String sparkline(float[] values, int width) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) d[i] = values[i];
        return sparkline(d, width);
    }

    public String sparkline(double[] values, int width) {
        StringBuilder b = new StringBuilder(width);
        int start = Math.max(0, values.length - width);
        double max = 0;
        for (int i = start; i < values.length; i++) max = Math.max(max, values[i]);
        for (int i = 0; i < width - (values.length - start); i++) b.append(' ');
        for (int i = start; i < values.length; i++) {
            int level = max <= 0 ? 0 : (int) Math.round(values[i] / max * (levels.length() - 1));
            b.append(levels.charAt(Math.max(0, Math.min(levels.length() - 1, level))));
        }
        return b.toString();
    }

    /**
     * {@code text} cut at its start to {@code width} (an ellipsis first), or padded to it: for frontends, whose end
     * (port, protocol and the scope marker) tells them apart.
     */
    public String fitEnd(String text, int width) {
        if (width <= 0) return "";
        if (text.length() <= width) return text + " ".repeat(width - text.length());
        if (width <= ellipsis.length()) return text.substring(text.length() - width);
        return ellipsis + text.substring(text.length() - (width - ellipsis.length()));
    }

    /** {@code text} cut to {@code width} with an ellipsis, or padded to it. */
    public String fit(String text, int width) {
        if (width <= 0) return "";
        if (text.length() <= width) return text + " ".repeat(width - text.length());
        return text.substring(0, Math.max(0, width - ellipsis.length())) + ellipsis.substring(0, Math.min(ellipsis.length(), width));
    }
}
