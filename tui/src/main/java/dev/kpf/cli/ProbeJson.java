package dev.kpf.cli;

import com.google.gson.GsonBuilder;
import dev.kpf.probes.probe.Feature;
import dev.kpf.probes.probe.ProbeItem;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeResult;
import dev.kpf.probes.probe.Support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code kpf.probe/v1} JSON document (documented in README.md). Fields are only ever added within v1; a
 * rename or removal makes v2.
 */
final class ProbeJson {
    static final String SCHEMA = "kpf.probe/v1";

    private ProbeJson() {}

    static String render(ProbeReport report) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        var h = report.host();
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("root", h.root());
        host.put("os", h.os());
        host.put("osId", h.osId());
        host.put("osVersion", h.osVersion());
        host.put("kernel", h.kernel());
        host.put("libbpf", h.libbpf());
        doc.put("host", host);
        doc.put("verdict", report.verdict().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        doc.put("exitCode", report.verdict().exitCode());
        doc.put("reasons", report.reasons());
        doc.put("degraded", report.degraded().stream().map(Feature::id).toList());
        doc.put("probes", report.results().stream().map(ProbeJson::result).toList());
        doc.put("features", report.features().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.feature().id());
            m.put("availability", f.availability().label());
            m.put("since", f.since());
            m.put("description", f.feature().description());
            return m;
        }).toList());
        doc.put("elapsedMillis", report.elapsed().toMillis());
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(doc);
    }

    private static Map<String, Object> result(ProbeResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("status", r.status().label());
        m.put("observed", r.observed());
        m.put("required", r.required());
        m.put("decisive", r.decisive());
        m.put("features", r.features().stream().map(Feature::id).toList());
        m.put("remedy", r.remedy());
        if (!r.items().isEmpty()) m.put("items", r.items().stream().map(ProbeJson::item).toList());
        return m;
    }

    private static Map<String, Object> item(ProbeItem i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("required", i.required());
        switch (i.support()) {
            case Support.Supported s -> m.put("support", "supported");
            case Support.Unsupported u -> {
                m.put("support", "unsupported");
                m.put("reason", u.reason());
            }
            case Support.Unknown u -> {
                m.put("support", "unknown");
                m.put("reason", u.reason());
            }
        }
        m.put("features", i.features().stream().map(Feature::id).toList());
        return m;
    }

    static List<String> topLevelFields() {
        return List.of("schema", "host", "verdict", "exitCode", "reasons", "degraded", "probes", "features", "elapsedMillis");
    }
}
