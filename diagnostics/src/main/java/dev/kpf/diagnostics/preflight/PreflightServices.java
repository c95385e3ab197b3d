package dev.kpf.diagnostics.preflight;

import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code preflight.services}: Services that use what kpf does not serve yet, named per feature: source ranges on
 * IPv6 frontends (the tc datapath enforces them for IPv4), and whatever the translation reported.
 */
public final class PreflightServices {
    public static final String ID = "preflight.services";
    private static final int NAMED = 4;

    private PreflightServices() {}

    public static CheckResult check(LbTable table) {
        Map<String, TreeSet<String>> byFeature = new LinkedHashMap<>();
        for (LbEntry e : table.entries().values()) {
            String svc = e.service().namespace() + "/" + e.service().name();
            if (e.type() != FrontendType.CLUSTER_IP && e.frontend().address() instanceof java.net.Inet6Address && !e.sourceRanges().isEmpty()) {
                add(byFeature, "loadBalancerSourceRanges on IPv6", svc);
            }
        }
        table.problems().forEach(p -> add(byFeature, "not translated", p.toString()));
        String expected = "every Service uses only what kpf serves";
        if (byFeature.isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.PASS, table.entries().size() + " frontends, all served by kpf", expected, "");
        }
        List<String> parts = new ArrayList<>();
        byFeature.forEach((feature, services) -> parts.add(feature + ": " + services.size() + " (" + String.join(", ",
                new ArrayList<>(services).subList(0, Math.min(NAMED, services.size()))) + (services.size() > NAMED ? ", ..." : "") + ")"));
        return CheckResult.of(ID, "preflight", ProbeStatus.WARN, String.join("; ", parts), expected,
                "kpf enforces loadBalancerSourceRanges on IPv4 load balancer IPs only: on IPv6 ones every client gets through; "
                        + "keep the platform's dataplane (anetd) for these");
    }

    private static void add(Map<String, TreeSet<String>> byFeature, String feature, String item) {
        byFeature.computeIfAbsent(feature, f -> new TreeSet<>()).add(item);
    }
}
