package dev.kpf.probes.probe;

/**
 * One kpf feature on a probed node: whether the kernel gives kpf what the feature needs, and the mainline release
 * from which kernels have all of it ({@code since}; RHEL kernels carry backports, so there the probes decide).
 */
public record FeatureSupport(Feature feature, Availability availability, String since) {
    public enum Availability {
        AVAILABLE("available"), UNAVAILABLE("unavailable"), UNKNOWN("unknown");

        private final String label;

        Availability(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
