package dev.kpf.dataplane.bpf;

/** A value of kpf_affinity: when the client last used it (CLOCK_MONOTONIC ns) and the backend it is pinned to. */
public record AffinityValue(long lastUsedNs, int backendId) {}
