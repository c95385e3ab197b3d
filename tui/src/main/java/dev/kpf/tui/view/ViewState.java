package dev.kpf.tui.view;

/**
 * What the user has chosen, independent of the data: the screen, the selection and scroll position, the filter,
 * what is being typed (filter or command), the sort, the service drilled into, the help overlay and a message.
 */
public record ViewState(ScreenId screen, int selected, int top, String filter, Mode mode, String input, SortColumn sort,
                        boolean descending, String detailKey, int returnTo, boolean help, String message) {
    public enum Mode { BROWSE, FILTER, COMMAND }

    public static ViewState initial() {
        return new ViewState(ScreenId.SERVICES, 0, 0, "", Mode.BROWSE, "", SortColumn.SERVICE, false, null, 0, false, "");
    }

    public ViewState withScreen(ScreenId s) {
        return new ViewState(s, 0, 0, s == screen ? filter : "", Mode.BROWSE, "", sort, descending, null, 0, false, "");
    }

    public ViewState withSelection(int selected, int top) {
        return new ViewState(screen, selected, top, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }

    public ViewState withFilter(String filter) {
        return new ViewState(screen, 0, 0, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }

    public ViewState withMode(Mode mode, String input) {
        return new ViewState(screen, selected, top, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }

    public ViewState withSort(SortColumn sort, boolean descending) {
        return new ViewState(screen, selected, top, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }

    /** Drills into {@code detailKey}, remembering the list position to come back to. */
    public ViewState withDetail(String detailKey) {
        return new ViewState(screen, 0, 0, filter, mode, input, sort, descending, detailKey, selected, help, message);
    }

    /** Back from the detail to the list, at the row it was opened from. */
    public ViewState back() {
        return new ViewState(screen, returnTo, Math.max(0, top), filter, mode, input, sort, descending, null, 0, help, message);
    }

    public ViewState withHelp(boolean help) {
        return new ViewState(screen, selected, top, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }

    public ViewState withMessage(String message) {
        return new ViewState(screen, selected, top, filter, mode, input, sort, descending, detailKey, returnTo, help, message);
    }
}
