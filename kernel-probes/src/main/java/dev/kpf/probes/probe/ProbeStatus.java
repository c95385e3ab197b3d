package dev.kpf.probes.probe;

/** Outcome of one probe: pass, warn (a feature degrades), fail (not ready), unknown (could not tell, with reason). */
public enum ProbeStatus {
    PASS, WARN, FAIL, UNKNOWN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
