package dev.kpf.probes.probe;

import java.util.List;

/**
 * One kernel capability inside an aggregated probe (a program type, map type, helper or attach type): whether
 * the kernel has it, whether kpf needs it or only degrades without it, and what it is for.
 */
public record ProbeItem(String name, Support support, boolean required, List<Feature> features) {
    public ProbeItem {
        features = List.copyOf(features);
    }
}
