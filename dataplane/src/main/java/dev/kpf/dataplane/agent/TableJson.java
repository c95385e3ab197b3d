package dev.kpf.dataplane.agent;

import com.google.gson.GsonBuilder;
import dev.kpf.dataplane.bpf.CounterRates;
import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.Problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code kpf.services/v1} JSON document (documented in README.md), for `kpf services --json` and /v1/services. */
public final class TableJson {
    public static final String SCHEMA = "kpf.services/v1";

    private TableJson() {}

    public static String render(LbTable table, String node, String source) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(document(table, node, source));
    }

    public static Map<String, Object> document(LbTable table, String node, String source) {
        return document(table, node, source, null);
    }

    /** The table with the programs' counters ({@code stats}: totals, and rates when two readings were taken). */
    public static String render(LbTable table, String node, String source, CounterRates stats) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(document(table, node, source, stats));
    }

    private static Map<String, Object> document(LbTable table, String node, String source, CounterRates stats) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("node", node);
        doc.put("source", source);
        if (stats != null) doc.put("statsIntervalSeconds", stats.seconds());
        doc.put("frontends", table.entries().values().stream().map(e -> {
            Map<String, Object> m = entry(e);
            if (stats != null) {
                m.put("stats", stats(stats.frontend(e.frontend())));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> backends = (List<Map<String, Object>>) m.get("backends");
                for (int i = 0; i < backends.size(); i++) {
                    Backend b = e.backends().get(i);
                    backends.get(i).put("stats", stats(stats.backend(Counters.backendKey(b.ip(), b.port(), b.protocol()))));
                }
            }
            return m;
        }).toList());
        doc.put("problems", table.problems().stream().map(TableJson::problem).toList());
        return doc;
    }

    private static Map<String, Object> stats(CounterRates.Rate r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connects", r.connects());
        m.put("refused", r.refused());
        if (!Double.isNaN(r.perSecond())) m.put("connectsPerSecond", Math.round(r.perSecond() * 10) / 10.0);
        return m;
    }

    private static Map<String, Object> entry(LbEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", IpAddresses.format(e.frontend().address()));
        m.put("port", e.frontend().port());
        m.put("protocol", e.frontend().protocol().name());
        m.put("scope", e.frontend().scope().name().toLowerCase(Locale.ROOT));
        m.put("type", e.type().label);
        m.put("namespace", e.service().namespace());
        m.put("service", e.service().name());
        m.put("portName", e.portName());
        m.put("sessionAffinityTimeoutSeconds", e.affinityTimeoutSeconds());
        m.put("sourceRanges", e.sourceRanges().stream().map(Cidr::toString).toList());
        m.put("externalTrafficPolicy", e.externalPolicyLocal() ? "Local" : "Cluster");
        m.put("internalTrafficPolicy", e.internalPolicyLocal() ? "Local" : "Cluster");
        m.put("healthCheckNodePort", e.healthCheckNodePort());
        m.put("backends", new java.util.ArrayList<>(e.backends().stream().map(TableJson::backend).toList()));
        return m;
    }

    private static Map<String, Object> backend(Backend b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", b.ip().toString());
        m.put("port", b.port());
        m.put("state", b.state().name().toLowerCase(Locale.ROOT));
        m.put("local", b.local());
        m.put("node", b.nodeName());
        m.put("zone", b.zone());
        m.put("pod", b.pod().toString());
        return m;
    }

    private static Map<String, Object> problem(Problem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", p.object());
        m.put("location", p.location());
        m.put("message", p.message());
        return m;
    }
}
