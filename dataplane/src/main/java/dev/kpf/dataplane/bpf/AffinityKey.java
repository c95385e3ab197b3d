package dev.kpf.dataplane.bpf;

/** A key of kpf_affinity: the client (its network namespace's cookie), the frontend's rev-NAT id and the family (4 or 6). */
public record AffinityKey(long netnsCookie, int revNatId, int family) {}
