package dev.kpf.tui.view;

/** Columns the Services screen sorts by (`s` cycles, `S` reverses). */
public enum SortColumn {
    SERVICE("service"), TYPE("type"), FRONTEND("frontend"), BACKENDS("backends"), RATE("conn/s");

    public final String label;

    SortColumn(String label) {
        this.label = label;
    }
}
