package dev.kpf.tui.view;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The command palette's words: each screen under its own name and k9s's aliases ({@code :no}, {@code :nodes},
 * {@code :svc}, {@code :ds}, {@code :daemonsets}), {@code :q} and {@code :help}; and Tab completion over them.
 */
public final class Palette {
    private Palette() {}

    /** Every word that opens a screen, sorted. */
    private static final Map<String, ScreenId> SCREENS = new java.util.TreeMap<>(Map.ofEntries(
            Map.entry("svc", ScreenId.SERVICES), Map.entry("service", ScreenId.SERVICES), Map.entry("services", ScreenId.SERVICES),
            Map.entry("no", ScreenId.NODE), Map.entry("node", ScreenId.NODE), Map.entry("nodes", ScreenId.NODE),
            Map.entry("kernel", ScreenId.KERNEL), Map.entry("probe", ScreenId.KERNEL),
            Map.entry("ds", ScreenId.DAEMONSETS), Map.entry("daemonset", ScreenId.DAEMONSETS), Map.entry("daemonsets", ScreenId.DAEMONSETS),
            Map.entry("doctor", ScreenId.DOCTOR), Map.entry("trace", ScreenId.TRACE)));

    /** The words Tab completes: the screens', then quit and help. */
    private static final List<String> WORDS = java.util.stream.Stream.concat(SCREENS.keySet().stream(), java.util.stream.Stream.of("help", "quit"))
            .sorted().toList();

    /** The screen a command opens, if it names one. */
    public static Optional<ScreenId> screen(String command) {
        return Optional.ofNullable(SCREENS.get(command.strip().toLowerCase(Locale.ROOT)));
    }

    /** The words that start with what was typed (all of them for nothing typed). */
    public static List<String> candidates(String typed) {
        String t = typed.toLowerCase(Locale.ROOT);
        return WORDS.stream().filter(w -> w.startsWith(t)).toList();
    }

    /** What Tab makes of the input: the one candidate whole, else the longest prefix the candidates share. */
    public static String complete(String typed) {
        List<String> c = candidates(typed);
        if (c.isEmpty() || typed.contains(" ")) return typed;
        if (c.size() == 1) return c.getFirst();
        String common = c.getFirst();
        for (String w : c) {
            int i = 0;
            while (i < common.length() && i < w.length() && common.charAt(i) == w.charAt(i)) i++;
            common = common.substring(0, i);
        }
        return common.length() > typed.length() ? common : typed;
    }
}
