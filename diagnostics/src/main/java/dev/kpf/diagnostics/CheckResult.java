package dev.kpf.diagnostics;

import dev.kpf.probes.probe.ProbeStatus;

import java.util.List;

/**
 * One doctor check: a stable id (see DESIGN.md), the area it belongs to, its status, what was observed and what is
 * expected, the remedy when it did not pass, and the kpf features it affects.
 */
public record CheckResult(String id, String area, ProbeStatus status, String observed, String expected, String remedy,
                          List<String> features) {
    public CheckResult {
        features = List.copyOf(features);
    }

    public static CheckResult of(String id, String area, ProbeStatus status, String observed, String expected, String remedy) {
        return new CheckResult(id, area, status, observed, expected, remedy, List.of());
    }
}
