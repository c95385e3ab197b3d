package dev.kpf.tui.render;

import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.tui.model.NodeView;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The node: OS, kernel, CPU and memory with recent history, uptime, interfaces and addresses. */
public final class NodeScreen {
    private NodeScreen() {}

    public static Body render(NodeView n, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        if (n.facts() == null) {
            lines.add(Line.of("node facts unavailable: " + n.error(), Style.WARN));
            return Body.of("Node", null, lines);
        }
        NodeFacts f = n.facts();
        int spark = Math.max(10, Math.min(60, width - 30));
        lines.add(kv("host", f.hostname()));
        lines.add(kv("os", f.os()));
        lines.add(kv("kernel", f.kernel()));
        lines.add(kv("cpu", f.logicalCpus() + " CPUs, " + f.physicalCores() + " cores, " + f.cpuModel()));
        lines.add(kv("memory", NodeFacts.bytes(f.memoryTotalBytes()) + " (" + NodeFacts.bytes(f.memoryAvailableBytes()) + " available)"));
        lines.add(kv("uptime", NodeFacts.human(f.uptime())));
        lines.add(Line.blank());
        lines.add(usage("cpu", n.cpuHistory(), spark, g));
        lines.add(usage("mem", n.memoryHistory(), spark, g));
        lines.add(Line.blank());
        lines.add(Line.of(g.fit("INTERFACE", 16) + " " + g.fit("STATE", 6) + " " + g.fit("MTU", 6) + " ADDRESSES", Style.HEADER));
        for (NodeFacts.NetInterface i : f.interfaces()) {
            String addresses = i.addresses().isEmpty() ? "-" : String.join(" ", i.addresses());
            lines.add(new Line.Builder().add(g.fit(i.name(), 16) + " ", Style.NORMAL)
                    .add(g.fit(i.up() ? "up" : "down", 6) + " ", i.up() ? Style.OK : Style.DIM)
                    .add(g.fit(Long.toString(i.mtu()), 6) + " ", Style.DIM)
                    .add(addresses, Style.NORMAL).selectable(i.name()));
        }
        return Body.of("Node " + f.hostname(), null, lines);
    }

    private static Line kv(String key, String value) {
        return new Line.Builder().add(String.format(Locale.ROOT, "%-8s", key), Style.DIM).add(value, Style.NORMAL).build();
    }

    private static Line usage(String what, double[] history, int spark, Glyphs g) {
        double now = history.length == 0 ? 0 : history[history.length - 1];
        Style style = now >= 90 ? Style.BAD : now >= 70 ? Style.WARN : Style.OK;
        return new Line.Builder().add(String.format(Locale.ROOT, "%-8s%5.1f%%  ", what, now), Style.NORMAL)
                .add(g.sparkline(history, spark), style).build();
    }
}
