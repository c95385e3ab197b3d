package dev.kpf.dataplane.agent;

import com.google.gson.GsonBuilder;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.Problem;

import java.util.LinkedHashMap;
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
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("node", node);
        doc.put("source", source);
        doc.put("frontends", table.entries().values().stream().map(TableJson::entry).toList());
        doc.put("problems", table.problems().stream().map(TableJson::problem).toList());
        return doc;
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
        m.put("backends", e.backends().stream().map(TableJson::backend).toList());
        return m;
    }

    private static Map<String, Object> backend(Backend b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", IpAddresses.format(b.address()));
        m.put("port", b.port());
        m.put("state", b.state().name().toLowerCase(Locale.ROOT));
        m.put("local", b.local());
        m.put("node", b.nodeName());
        m.put("zone", b.zone());
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
