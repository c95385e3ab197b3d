package dev.kpf.tui.view;

/** The TUI's screens, with the palette command that opens each (more words: {@link Palette}). */
public enum ScreenId {
    SERVICES("Services", "svc"), NODE("Node", "node"), KERNEL("Kernel", "kernel"), DAEMONSETS("DaemonSets", "ds"), DOCTOR("Doctor", "doctor"),
    TRACE("Trace", "trace");

    public final String title;
    public final String command;

    ScreenId(String title, String command) {
        this.title = title;
        this.command = command;
    }

    /** Whether Enter on a row opens a detail view (the full text of what a row shows cut). */
    public boolean hasDetail() {
        return this == SERVICES || this == TRACE || this == KERNEL || this == DOCTOR;
    }

    public ScreenId next(int step) {
        ScreenId[] all = values();
        return all[Math.floorMod(ordinal() + step, all.length)];
    }
}
