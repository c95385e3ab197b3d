package dev.kpf.probes.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * All probe results for one host and the verdict drawn from them: any failure means not ready; otherwise an
 * unknown answer from a decisive probe means unknown; otherwise ready, with the features that warnings degrade.
 */
public record ProbeReport(HostSummary host, List<ProbeResult> results, Duration elapsed) {
    public ProbeReport {
        results = List.copyOf(results);
    }

    public Verdict verdict() {
        if (results.stream().anyMatch(r -> r.status() == ProbeStatus.FAIL)) return Verdict.NOT_READY;
        if (results.stream().anyMatch(r -> r.status() == ProbeStatus.UNKNOWN && r.decisive())) return Verdict.UNKNOWN;
        return Verdict.READY;
    }

    /** Why the verdict is what it is: the failures, or the undecided decisive probes. Empty when ready. */
    public List<String> reasons() {
        List<String> out = new ArrayList<>();
        Verdict v = verdict();
        for (ProbeResult r : results) {
            boolean counts = v == Verdict.NOT_READY ? r.status() == ProbeStatus.FAIL
                    : v == Verdict.UNKNOWN && r.status() == ProbeStatus.UNKNOWN && r.decisive();
            if (counts) out.add(r.id() + ": " + r.observed());
        }
        return out;
    }

    /** Features that work only partly or not at all on this node although it may be ready. */
    public Set<Feature> degraded() {
        Set<Feature> out = new LinkedHashSet<>();
        for (ProbeResult r : results) {
            if (r.status() == ProbeStatus.WARN) out.addAll(r.features());
        }
        return out;
    }

    public ProbeResult result(String id) {
        return results.stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no probe " + id));
    }
}
