package dev.kpf.cli;

import dev.kpf.probes.probe.Feature;
import dev.kpf.probes.probe.ProbeItem;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeResult;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.probes.probe.Support;
import dev.kpf.probes.probe.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The human-readable probe report: an aligned table, the details of what did not pass, the verdict. */
final class ProbeText {
    private final boolean colour;

    ProbeText(boolean colour) {
        this.colour = colour;
    }

    String render(ProbeReport report) {
        StringBuilder b = new StringBuilder();
        var h = report.host();
        b.append("kpf probe: ").append(h.os()).append(", kernel ").append(h.kernel().isEmpty() ? "unknown" : h.kernel())
                .append(", libbpf ").append(h.libbpf());
        if (!h.root().equals("/")) b.append(", root ").append(h.root());
        b.append("\n\n");
        b.append(String.format("%-8s %-18s %s%n", "STATUS", "PROBE", "OBSERVED"));
        for (ProbeResult r : report.results()) {
            b.append(paint(r.status(), String.format("%-8s", r.status().label()))).append(' ')
                    .append(String.format("%-18s", r.id())).append(' ').append(r.observed()).append('\n');
            boolean allUnknown = r.items().stream().allMatch(i -> i.support() instanceof Support.Unknown);
            if (r.status() != ProbeStatus.PASS && !allUnknown) {
                for (ProbeItem item : r.items()) {
                    if (item.support() instanceof Support.Supported) continue;
                    String mark = item.support() instanceof Support.Unsupported ? "missing" : "unknown";
                    b.append(String.format("%-8s %-18s   %s %s (%s%s)%n", "", "", mark, item.name(),
                            item.required() ? "required" : "optional, for ",
                            item.required() ? "" : item.features().stream().map(Feature::id).collect(Collectors.joining(", "))));
                }
            }
        }
        b.append(String.format("%nFEATURE                  %-12s %-7s %s%n", "ON THIS NODE", "SINCE", "WHAT"));
        for (dev.kpf.probes.probe.FeatureSupport f : report.features()) {
            ProbeStatus shown = switch (f.availability()) {
                case AVAILABLE -> ProbeStatus.PASS;
                case UNAVAILABLE -> ProbeStatus.WARN;
                case UNKNOWN -> ProbeStatus.UNKNOWN;
            };
            b.append(String.format("%-24s ", f.feature().id())).append(paint(shown, String.format("%-12s", f.availability().label())))
                    .append(String.format(" %-7s %s%n", f.since(), f.feature().description()));
        }
        // one line per distinct remedy, naming every probe it answers
        Map<String, List<String>> byRemedy = new LinkedHashMap<>();
        for (ProbeResult r : report.results()) {
            if (r.status() == ProbeStatus.PASS || r.remedy().isEmpty()) continue;
            byRemedy.computeIfAbsent(r.remedy(), k -> new ArrayList<>())
                    .add(r.items().isEmpty() ? r.id() + " (requires " + r.required() + ")" : r.id());
        }
        if (!byRemedy.isEmpty()) {
            b.append("\nWhat to do:\n");
            byRemedy.forEach((remedy, ids) -> b.append("  ").append(String.join(", ", ids)).append(": ").append(remedy).append('\n'));
        }
        b.append('\n');
        Verdict v = report.verdict();
        String verdict = switch (v) {
            case READY -> "READY for kube-proxy-free mode";
            case NOT_READY -> "NOT READY for kube-proxy-free mode";
            case UNKNOWN -> "UNKNOWN: could not decide whether this node is ready";
        };
        b.append("Verdict: ").append(paint(v == Verdict.READY ? ProbeStatus.PASS : v == Verdict.NOT_READY ? ProbeStatus.FAIL : ProbeStatus.UNKNOWN, verdict)).append('\n');
        for (String reason : report.reasons()) b.append("  because ").append(reason).append('\n');
        if (!report.degraded().isEmpty()) {
            b.append("Degraded features:\n");
            for (Feature f : report.degraded()) b.append("  ").append(f.id()).append(": ").append(f.description()).append('\n');
        }
        b.append(String.format("(%d probes in %d ms)%n", report.results().size(), report.elapsed().toMillis()));
        return b.toString();
    }

    private String paint(ProbeStatus s, String text) {
        if (!colour) return text;
        String code = switch (s) {
            case PASS -> "32";
            case WARN -> "33";
            case FAIL -> "31;1";
            case UNKNOWN -> "36";
        };
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }
}
