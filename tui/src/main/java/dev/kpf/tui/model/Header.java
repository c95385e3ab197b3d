package dev.kpf.tui.model;

/**
 * The line on top of every screen: this node, its kernel, the agent's state, where the services come from
 * (live cluster, directory, demo) and whether the maps are simulated.
 */
public record Header(String node, String kernel, String agent, String source, boolean simulated, String simulatedWhy) {}
