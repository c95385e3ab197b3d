package dev.kpf.diagnostics;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code maps.consistent}: what the API asks for (the translated table) against what the kernel maps hold
 * (read back from the pins): frontends missing from the maps, frontends the maps hold that nothing asks for, and
 * frontends whose backends differ, each named.
 */
public final class MapsConsistency {
    private MapsConsistency() {}

    private static final int NAMED = 5;

    public static CheckResult check(LbTable intent, LbTable programmed) {
        Map<Frontend, List<String>> want = backends(intent), have = backends(programmed);
        List<String> missing = new ArrayList<>(), extra = new ArrayList<>(), stale = new ArrayList<>();
        for (Map.Entry<Frontend, List<String>> e : want.entrySet()) {
            List<String> h = have.get(e.getKey());
            if (h == null) missing.add(e.getKey() + " " + intent.entries().get(e.getKey()).servicePortName());
            else if (!h.equals(e.getValue())) stale.add(e.getKey() + " has " + h + ", the API asks for " + e.getValue());
        }
        for (Frontend f : have.keySet()) if (!want.containsKey(f)) extra.add(f + " " + programmed.entries().get(f).servicePortName());
        String expected = "the maps hold exactly the " + want.size() + " frontends the API asks for";
        if (missing.isEmpty() && extra.isEmpty() && stale.isEmpty()) {
            return CheckResult.of("maps.consistent", "datapath", ProbeStatus.PASS, want.size() + " frontends, all as the API asks", expected, "");
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) parts.add(missing.size() + " missing: " + named(missing));
        if (!extra.isEmpty()) parts.add(extra.size() + " extra: " + named(extra));
        if (!stale.isEmpty()) parts.add(stale.size() + " stale: " + named(stale));
        return CheckResult.of("maps.consistent", "datapath", ProbeStatus.FAIL, String.join("; ", parts), expected,
                "check the agent's /v1/status for sync errors (map full, API errors) and its logs; a restart of the agent re-reads "
                        + "the maps and writes every difference");
    }

    private static String named(List<String> items) {
        return String.join(", ", items.subList(0, Math.min(NAMED, items.size()))) + (items.size() > NAMED ? ", ..." : "");
    }

    private static Map<Frontend, List<String>> backends(LbTable t) {
        Map<Frontend, List<String>> out = new TreeMap<>();
        for (LbEntry e : t.entries().values()) {
            out.put(e.frontend(), e.backends().stream().map((Backend b) -> IpAddresses.withPort(b.address(), b.port())).sorted().toList());
        }
        return out;
    }
}
