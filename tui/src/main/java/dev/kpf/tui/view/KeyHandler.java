package dev.kpf.tui.view;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.Locale;

/**
 * Keys to view changes, k9s-like: {@code :} command palette, {@code /} filter, {@code ?} help, arrows and
 * {@code j/k}, PgUp/PgDn, Home/End ({@code g/G}), Tab and Shift-Tab between screens, Enter drills in, Esc goes back,
 * {@code s}/{@code S} sort, {@code r} runs the doctor and {@code b} writes a bundle on the Doctor screen, {@code q}
 * quits. Pure: it knows how many lines can be selected and how many fit, nothing else.
 */
public final class KeyHandler {
    /** The new view state, what to ask of the model, and the action's argument (the trace filter). */
    public record Result(ViewState state, Action action, String argument) {
        public Result(ViewState state, Action action) {
            this(state, action, "");
        }
    }

    private KeyHandler() {}

    /** The keys, for the help overlay and the README. */
    public static final String[][] KEYS = {
            {":", "palette :svc :no :kernel :ds :doctor :trace :q (Tab completes)"},
            {":trace ARGS", "filter: vip=IP[:PORT] service=NS/NAME pid=N backend=IP, all"},
            {"/", "filter the list (namespace, name, address, type)"},
            {"?", "this help"},
            {"j k  Up Down", "move"},
            {"PgUp PgDn", "page"},
            {"g G  Home End", "first, last"},
            {"Tab  Shift-Tab", "next, previous screen"},
            {"1-6", "Services, Node, Kernel, DaemonSets, Doctor, Trace"},
            {"Enter", "details: a service, a probe, a check (Trace: connections)"},
            {"Esc", "back, clear the filter"},
            {"s  S", "sort by the next column, reverse"},
            {"r  b", "Doctor: run the checks, write a bundle"},
            {"q", "quit"}};

    /**
     * @param selectable how many lines of the current body can be selected
     * @param page       how many body lines fit on the screen
     * @param selectedKey the key of the selected line (for Enter), or null
     */
    public static Result handle(ViewState s, KeyStroke key, int selectable, int page, String selectedKey) {
        if (key.getKeyType() == KeyType.EOF) return new Result(s, Action.QUIT);
        if (s.help()) return new Result(s.withHelp(false), Action.NONE);
        return switch (s.mode()) {
            case FILTER -> filter(s, key);
            case COMMAND -> command(s, key);
            case BROWSE -> browse(s, key, selectable, page, selectedKey);
        };
    }

    private static Result browse(ViewState s, KeyStroke key, int selectable, int page, String selectedKey) {
        ViewState cleared = s.message().isEmpty() ? s : s.withMessage("");
        switch (key.getKeyType()) {
            case ArrowUp: return move(cleared, -1, selectable, page);
            case ArrowDown: return move(cleared, 1, selectable, page);
            case PageUp: return move(cleared, -page, selectable, page);
            case PageDown: return move(cleared, page, selectable, page);
            case Home: return move(cleared, -selectable, selectable, page);
            case End: return move(cleared, selectable, selectable, page);
            case Tab: return new Result(cleared.withScreen(s.screen().next(1)), Action.NONE);
            case ReverseTab: return new Result(cleared.withScreen(s.screen().next(-1)), Action.NONE);
            case Escape:
                if (s.detailKey() != null) return new Result(cleared.back(), Action.NONE);
                return new Result(cleared.withFilter(""), Action.NONE);
            case Enter:
                if (s.screen().hasDetail() && s.detailKey() == null && selectedKey != null) {
                    return new Result(cleared.withDetail(selectedKey), Action.NONE);
                }
                return new Result(cleared, Action.NONE);
            case Character: break;
            default: return new Result(cleared, Action.NONE);
        }
        char c = key.getCharacter();
        if (key.isCtrlDown() && c == 'c') return new Result(s, Action.QUIT);
        return switch (c) {
            case 'q' -> new Result(s, Action.QUIT);
            case '?' -> new Result(cleared.withHelp(true), Action.NONE);
            case ':' -> new Result(cleared.withMode(ViewState.Mode.COMMAND, ""), Action.NONE);
            case '/' -> new Result(cleared.withMode(ViewState.Mode.FILTER, s.filter()), Action.NONE);
            case 'j' -> move(cleared, 1, selectable, page);
            case 'k' -> move(cleared, -1, selectable, page);
            case 'g' -> move(cleared, -selectable, selectable, page);
            case 'G' -> move(cleared, selectable, selectable, page);
            case 's' -> new Result(cleared.withSort(SortColumn.values()[(s.sort().ordinal() + 1) % SortColumn.values().length], false)
                    .withMessage("sorted by " + SortColumn.values()[(s.sort().ordinal() + 1) % SortColumn.values().length].label), Action.NONE);
            case 'S' -> new Result(cleared.withSort(s.sort(), !s.descending())
                    .withMessage("sorted by " + s.sort().label + (s.descending() ? "" : ", descending")), Action.NONE);
            case 'r' -> new Result(cleared, s.screen() == ScreenId.DOCTOR ? Action.RUN_DOCTOR : Action.NONE);
            case 'b' -> new Result(cleared, s.screen() == ScreenId.DOCTOR ? Action.WRITE_BUNDLE : Action.NONE);
            case '1', '2', '3', '4', '5', '6' -> new Result(cleared.withScreen(ScreenId.values()[c - '1']), Action.NONE);
            default -> new Result(cleared, Action.NONE);
        };
    }

    private static Result move(ViewState s, int delta, int selectable, int page) {
        if (selectable <= 0) return new Result(s.withSelection(0, 0), Action.NONE);
        int sel = Math.max(0, Math.min(selectable - 1, s.selected() + delta));
        return new Result(s.withSelection(sel, s.top()), Action.NONE);
    }

    private static Result filter(ViewState s, KeyStroke key) {
        switch (key.getKeyType()) {
            case Enter: return new Result(s.withMode(ViewState.Mode.BROWSE, "").withFilter(s.input()), Action.NONE);
            case Escape: return new Result(s.withMode(ViewState.Mode.BROWSE, "").withFilter(""), Action.NONE);
            case Backspace: {
                String in = s.input().isEmpty() ? "" : s.input().substring(0, s.input().length() - 1);
                return new Result(s.withFilter(in).withMode(ViewState.Mode.FILTER, in), Action.NONE);
            }
            case Character: {
                if (key.isCtrlDown()) return new Result(s, key.getCharacter() == 'c' ? Action.QUIT : Action.NONE);
                String in = s.input() + key.getCharacter();
                return new Result(s.withFilter(in).withMode(ViewState.Mode.FILTER, in), Action.NONE);
            }
            default: return new Result(s, Action.NONE);
        }
    }

    private static Result command(ViewState s, KeyStroke key) {
        switch (key.getKeyType()) {
            case Escape: return new Result(s.withMode(ViewState.Mode.BROWSE, ""), Action.NONE);
            case Backspace: return new Result(s.withMode(ViewState.Mode.COMMAND, s.input().isEmpty() ? "" : s.input().substring(0, s.input().length() - 1)), Action.NONE);
            case Character: {
                if (key.isCtrlDown()) return new Result(s, key.getCharacter() == 'c' ? Action.QUIT : Action.NONE);
                return new Result(s.withMode(ViewState.Mode.COMMAND, s.input() + key.getCharacter()), Action.NONE);
            }
            case Tab: return new Result(s.withMode(ViewState.Mode.COMMAND, Palette.complete(s.input())), Action.NONE);
            case Enter: break;
            default: return new Result(s, Action.NONE);
        }
        String cmd = s.input().strip().toLowerCase(Locale.ROOT);
        ViewState browse = s.withMode(ViewState.Mode.BROWSE, "");
        if (cmd.startsWith("trace ")) {
            return new Result(browse.withScreen(ScreenId.TRACE), Action.TRACE_FILTER, s.input().strip().substring("trace ".length()));
        }
        if (cmd.equals("q") || cmd.equals("quit") || cmd.equals("q!")) return new Result(browse, Action.QUIT);
        if (cmd.equals("help") || cmd.equals("?")) return new Result(browse.withHelp(true), Action.NONE);
        java.util.Optional<ScreenId> screen = Palette.screen(cmd);
        if (screen.isPresent()) return new Result(browse.withScreen(screen.get()), Action.NONE);
        return new Result(browse.withMessage("unknown command :" + cmd + " (try :svc :node :kernel :ds :doctor :trace :q)"), Action.NONE);
    }
}
