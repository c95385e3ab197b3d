package dev.kpf.dataplane.bpf;

/**
 * A key of kpf_aff_member: a backend of one scope's entry of the frontend with a rev-NAT id, for ClientIP affinity.
 * {@code scopedRevNatId} is the rev-NAT id with the scope in bit 16 (both entries of a frontend share the id; the
 * internal one lists backends the external one may not, and the other way round); the backend id carries the family
 * in {@link MapLayout#STAT_V6_BIT}.
 */
public record MemberKey(int scopedRevNatId, int backendId) {
    static MemberKey of(int revNatId, int scope, boolean v4, int backendId) {
        return new MemberKey(revNatId | scope << 16, v4 ? backendId : backendId | MapLayout.STAT_V6_BIT);
    }
}
