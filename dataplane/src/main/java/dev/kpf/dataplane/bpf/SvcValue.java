package dev.kpf.dataplane.bpf;

/** A value of kpf_svc4/kpf_svc6: in slot 0 count, rev-NAT id, flags and affinity timeout; in slot n the backend id. */
public record SvcValue(int backendId, int count, int revNatId, int flags, int affinityTimeout) {
    public static SvcValue slot(int backendId) {
        return new SvcValue(backendId, 0, 0, 0, 0);
    }
}
