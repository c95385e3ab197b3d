package dev.kpf.tui.view;

/** The TUI's screens, with the palette command that opens each. */
public enum ScreenId {
    SERVICES("Services", "svc"), NODE("Node", "node"), KERNEL("Kernel", "kernel"), DAEMONSETS("DaemonSets", "ds"), DOCTOR("Doctor", "doctor"),
    TRACE("Trace", "trace");

    public final String title;
    public final String command;

    ScreenId(String title, String command) {
        this.title = title;
        this.command = command;
    }

    public ScreenId next(int step) {
        ScreenId[] all = values();
        return all[Math.floorMod(ordinal() + step, all.length)];
    }
}
