package dev.kpf.probes.probe;

import java.util.List;
import java.util.Objects;

/**
 * The result of one probe: a stable id (the doctor uses the same ids), status, what was observed, what kpf
 * requires, the kpf features that depend on it, a remedy when it did not pass, and the per-capability items of
 * aggregated probes. {@code decisive} probes decide the verdict when their answer is unknown.
 */
public record ProbeResult(String id, ProbeStatus status, String observed, String required, List<Feature> features,
                          String remedy, boolean decisive, List<ProbeItem> items) {
    public ProbeResult {
        Objects.requireNonNull(id);
        Objects.requireNonNull(status);
        observed = Objects.requireNonNullElse(observed, "");
        required = Objects.requireNonNullElse(required, "");
        remedy = Objects.requireNonNullElse(remedy, "");
        features = List.copyOf(features);
        items = List.copyOf(items);
    }

    static ProbeResult of(String id, ProbeStatus status, String observed, String required, List<Feature> features,
                          String remedy, boolean decisive) {
        return new ProbeResult(id, status, observed, required, features, remedy, decisive, List.of());
    }
}
