package dev.kpf.cli;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The table for people: one row per frontend, its first backend beside it and further backends below. */
final class ServicesText {
    private ServicesText() {}

    static String render(LbTable table, String node) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"FRONTEND", "TYPE", "SERVICE", "OPTIONS", "BACKENDS"});
        for (LbEntry e : table.entries().values()) {
            List<String> backends = e.backends().stream().map(Backend::describe).toList();
            rows.add(new String[] {e.frontend().toString(), e.type().label, e.servicePortName(), options(e),
                    backends.isEmpty() ? "(none: connections refused)" : backends.getFirst()});
            for (int i = 1; i < backends.size(); i++) rows.add(new String[] {"", "", "", "", backends.get(i)});
        }
        int[] width = new int[5];
        for (String[] r : rows) for (int i = 0; i < 5; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 5; i++) line.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
            b.append(line.toString().stripTrailing()).append('\n');
        }
        b.append(String.format("%n%d frontends, %d backends, node %s%s%n", table.size(), table.backendCount(),
                node.isEmpty() ? "(unknown)" : node, table.problems().isEmpty() ? "" : ", " + table.problems().size() + " problems (on stderr)"));
        return b.toString();
    }

    private static String options(LbEntry e) {
        List<String> o = new ArrayList<>();
        if (e.affinityTimeoutSeconds() > 0) o.add("affinity=ClientIP/" + e.affinityTimeoutSeconds() + "s");
        if (!e.sourceRanges().isEmpty()) o.add("sourceRanges=" + e.sourceRanges().stream().map(Cidr::toString).collect(Collectors.joining(",")));
        if (e.externalPolicyLocal()) o.add("eTP=Local");
        if (e.internalPolicyLocal()) o.add("iTP=Local");
        if (e.healthCheckNodePort() > 0) o.add("hc=" + e.healthCheckNodePort());
        return o.isEmpty() ? "-" : String.join(" ", o);
    }
}
