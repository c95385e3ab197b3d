package dev.kpf.tui.model;

import dev.kpf.diagnostics.node.NodeFacts;

/** Node facts with recent CPU and memory use (percent, oldest first); facts may be null with {@code error} saying why. */
public record NodeView(NodeFacts facts, double[] cpuHistory, double[] memoryHistory, String error) {
    public static NodeView unavailable(String why) {
        return new NodeView(null, new double[0], new double[0], why);
    }
}
