package dev.kpf.tui.model;

import dev.kpf.diagnostics.DoctorReport;

/** The last doctor run (null before the first), whether one is running, and the last bundle written (or why not). */
public record DoctorView(DoctorReport report, boolean running, String bundle) {
    public static final DoctorView NONE = new DoctorView(null, false, null);
}
