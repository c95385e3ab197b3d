package dev.kpf.diagnostics;

import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.List;
import java.util.Optional;

/**
 * Every check of one doctor run, and the node's facts when they were read. Exit codes: 0 all pass, 1 warnings,
 * 2 failures, 3 nothing useful could run.
 */
public record DoctorReport(List<CheckResult> checks, NodeFacts node) {
    public DoctorReport {
        checks = List.copyOf(checks);
    }

    public Optional<NodeFacts> nodeFacts() {
        return Optional.ofNullable(node);
    }

    public int exitCode() {
        if (checks.stream().anyMatch(c -> c.status() == ProbeStatus.FAIL)) return 2;
        if (!checks.isEmpty() && checks.stream().allMatch(c -> c.status() == ProbeStatus.UNKNOWN)) return 3;
        if (checks.stream().anyMatch(c -> c.status() == ProbeStatus.WARN || c.status() == ProbeStatus.UNKNOWN)) return 1;
        return checks.isEmpty() ? 3 : 0;
    }
}
