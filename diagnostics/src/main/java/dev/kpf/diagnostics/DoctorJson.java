package dev.kpf.diagnostics;

import com.google.gson.GsonBuilder;
import dev.kpf.diagnostics.node.NodeFacts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The doctor's JSON, schema {@code kpf.doctor/v1}: {@code schema}, {@code kpfVersion}, {@code generatedAt},
 * {@code exitCode}, {@code summary} ({@link DoctorSummary}: counts and score), {@code node} (facts, when read) and
 * {@code checks}. Within v1 fields are only added.
 */
public final class DoctorJson {
    public static final String SCHEMA = "kpf.doctor/v1";

    private DoctorJson() {}

    public static String render(DoctorReport report) {
        return render(report, java.util.Objects.requireNonNullElse(DoctorJson.class.getPackage().getImplementationVersion(), "dev"),
                java.time.Instant.now());
    }

    public static String render(DoctorReport report, String kpfVersion, java.time.Instant at) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", SCHEMA);
        doc.put("kpfVersion", kpfVersion);
        doc.put("generatedAt", at.toString());
        doc.put("exitCode", report.exitCode());
        DoctorSummary s = DoctorSummary.of(report);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("checks", s.checks());
        summary.put("pass", s.pass());
        summary.put("warn", s.warn());
        summary.put("fail", s.fail());
        summary.put("unknown", s.unknown());
        if (s.score() != null) summary.put("score", s.score()); // absent when no check ran
        doc.put("summary", summary);
        report.nodeFacts().ifPresent(f -> doc.put("node", node(f)));
        List<Map<String, Object>> checks = new ArrayList<>();
        for (CheckResult c : report.checks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            m.put("area", c.area());
            m.put("status", c.status().label());
            m.put("observed", c.observed());
            m.put("expected", c.expected());
            m.put("remedy", c.remedy());
            m.put("features", c.features());
            checks.add(m);
        }
        doc.put("checks", checks);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(doc);
    }

    /** Node facts as JSON fields (also the bundle's node-facts.json). */
    public static Map<String, Object> node(NodeFacts f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", f.hostname());
        m.put("os", f.os());
        m.put("osFamily", f.osFamily());
        m.put("osVersion", f.osVersion());
        m.put("kernel", f.kernel());
        m.put("cpuModel", f.cpuModel());
        m.put("physicalCores", f.physicalCores());
        m.put("logicalCpus", f.logicalCpus());
        m.put("memoryTotalBytes", f.memoryTotalBytes());
        m.put("memoryAvailableBytes", f.memoryAvailableBytes());
        m.put("uptimeSeconds", f.uptime().toSeconds());
        List<Map<String, Object>> ifs = new ArrayList<>();
        for (NodeFacts.NetInterface i : f.interfaces()) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("name", i.name());
            n.put("mac", i.mac());
            n.put("up", i.up());
            n.put("mtu", i.mtu());
            n.put("addresses", i.addresses());
            ifs.add(n);
        }
        m.put("interfaces", ifs);
        return m;
    }
}
