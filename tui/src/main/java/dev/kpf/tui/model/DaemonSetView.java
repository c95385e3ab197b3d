package dev.kpf.tui.model;

import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.DaemonSetRow;

import java.util.List;

/** The DaemonSet verification: every DaemonSet, and the doctor's verdicts on kube-proxy and the dataplane. */
public record DaemonSetView(List<DaemonSetRow> rows, List<CheckResult> checks, String error) {
    public DaemonSetView {
        rows = List.copyOf(rows);
        checks = List.copyOf(checks);
    }
}
