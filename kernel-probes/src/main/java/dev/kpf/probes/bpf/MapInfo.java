package dev.kpf.probes.bpf;

/** What the kernel reports about a map: its type id, kernel id, key and value sizes, capacity and name. */
public record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {}
