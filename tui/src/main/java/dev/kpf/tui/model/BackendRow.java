package dev.kpf.tui.model;

/** One backend of a frontend: address, state (ready, terminating), whether it is on this node, and its connects. */
public record BackendRow(String address, String state, boolean local, long connects, double rate, float[] history) {}
