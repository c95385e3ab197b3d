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

    /**
     * Every feature the kernel probes decide, in {@link Feature}'s order: unavailable when a capability it needs is
     * missing or a probe that takes it away failed or warned (or one that decides everything failed), unknown when one
     * could not be probed.
     */
    public List<FeatureSupport> features() {
        java.util.Map<Feature, FeatureSupport.Availability> state = new java.util.EnumMap<>(Feature.class);
        for (ProbeResult r : results) {
            if (!r.items().isEmpty()) {
                for (ProbeItem item : r.items()) {
                    switch (item.support()) {
                        case Support.Supported x -> { }
                        case Support.Unsupported u -> item.features().forEach(f -> worsen(state, f, FeatureSupport.Availability.UNAVAILABLE));
                        case Support.Unknown u -> item.features().forEach(f -> worsen(state, f, FeatureSupport.Availability.UNKNOWN));
                    }
                }
                continue;
            }
            FeatureSupport.Availability a = switch (r.status()) {
                case FAIL, WARN -> FeatureSupport.Availability.UNAVAILABLE;
                case UNKNOWN -> FeatureSupport.Availability.UNKNOWN;
                default -> null;
            };
            if (a == null) continue;
            for (Feature f : r.features()) {
                if (f == Feature.ALL) {
                    // a risk to everything (a low memlock limit, an OS outside the platform) is not everything missing
                    boolean decides = r.status() == ProbeStatus.FAIL || r.status() == ProbeStatus.UNKNOWN && r.decisive();
                    if (decides) for (Feature each : Feature.values()) worsen(state, each, a);
                } else {
                    worsen(state, f, a);
                }
            }
        }
        List<FeatureSupport> out = new ArrayList<>();
        FeatureProbes.floors().forEach((f, since) ->
                out.add(new FeatureSupport(f, state.getOrDefault(f, FeatureSupport.Availability.AVAILABLE), since)));
        return out;
    }

    private static void worsen(java.util.Map<Feature, FeatureSupport.Availability> state, Feature f, FeatureSupport.Availability a) {
        state.merge(f, a, (old, now) -> old == FeatureSupport.Availability.UNAVAILABLE ? old : now);
    }

    public ProbeResult result(String id) {
        return results.stream().filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no probe " + id));
    }
}
