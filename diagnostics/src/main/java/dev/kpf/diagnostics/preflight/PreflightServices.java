package dev.kpf.diagnostics.preflight;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code preflight.services}: Services that use what kpf does not serve yet, named per feature: whatever the
 * translation reported (unsupported protocols, invalid fields), which kpf leaves out.
 */
public final class PreflightServices {
    public static final String ID = "preflight.services";
    private static final int NAMED = 4;

    private PreflightServices() {}

    public static CheckResult check(LbTable table) {
        Map<String, TreeSet<String>> byFeature = new LinkedHashMap<>();
        table.problems().forEach(p -> add(byFeature, "not translated", p.toString()));
        String expected = "every Service uses only what kpf serves";
        if (byFeature.isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.PASS, table.entries().size() + " frontends, all served by kpf", expected, "");
        }
        List<String> parts = new ArrayList<>();
        byFeature.forEach((feature, services) -> parts.add(feature + ": " + services.size() + " (" + String.join(", ",
                new ArrayList<>(services).subList(0, Math.min(NAMED, services.size()))) + (services.size() > NAMED ? ", ..." : "") + ")"));
        return CheckResult.of(ID, "preflight", ProbeStatus.WARN, String.join("; ", parts), expected,
                "kpf leaves these out of its table: fix the objects named, or keep the platform's dataplane (anetd) for them");
    }

    private static void add(Map<String, TreeSet<String>> byFeature, String feature, String item) {
        byFeature.computeIfAbsent(feature, f -> new TreeSet<>()).add(item);
    }
}
