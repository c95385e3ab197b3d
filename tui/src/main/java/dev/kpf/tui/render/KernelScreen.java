package dev.kpf.tui.render;

import dev.kpf.probes.probe.FeatureSupport;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeResult;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * Every kernel probe with its status, observed against required, the remedy, and the verdict for kube-proxy-free mode;
 * then kpf's features on this kernel, each with the mainline release that brings it.
 */
public final class KernelScreen {
    private KernelScreen() {}

    public static Body render(ProbeReport report, dev.kpf.tui.view.ViewState v, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        if (report == null) {
            lines.add(Line.of("probing the kernel...", Style.DIM));
            return Body.of("Kernel", null, lines);
        }
        if (v.detailKey() != null) {
            for (ProbeResult r : report.results()) if (r.id().equals(v.detailKey())) return detail(r, width);
            for (FeatureSupport f : report.features()) if (("feature." + f.feature().id()).equals(v.detailKey())) return detail(f, width);
        }
        String verdict = switch (report.verdict()) {
            case READY -> g.ok() + " READY for kube-proxy-free mode";
            case NOT_READY -> g.bad() + " NOT READY for kube-proxy-free mode: " + String.join("; ", report.reasons());
            case UNKNOWN -> "? could not decide (run as root)";
        };
        int observed = Math.max(10, width / 2 - 10);
        for (ProbeResult r : report.results()) {
            lines.add(new Line.Builder().add(g.fit(r.status().label(), 8) + " ", DoctorScreen.style(r.status()))
                    .add(g.fit(r.id(), 18) + " ", Style.NORMAL)
                    .add(g.fit(r.observed(), observed) + " ", Style.NORMAL)
                    .add(r.required().isEmpty() ? "" : g.fit("needs " + r.required(), Math.max(8, width - 1 - (9 + 19 + observed + 1))), Style.DIM)
                    .selectable(r.id()));
            if (r.status() != ProbeStatus.PASS && !r.remedy().isEmpty()) lines.addAll(Wrap.lines("         fix: ", r.remedy(), width, Style.DIM));
        }
        // what kpf can do here, feature by feature, with the mainline kernel that brings each
        lines.add(Line.of("", Style.NORMAL));
        lines.add(Line.of(g.fit("FEATURE", 8 + 1 + 18) + " " + g.fit("ON THIS KERNEL", 14) + " SINCE", Style.HEADER));
        for (FeatureSupport f : report.features()) {
            ProbeStatus shown = switch (f.availability()) {
                case AVAILABLE -> ProbeStatus.PASS;
                case UNAVAILABLE -> ProbeStatus.WARN;
                case UNKNOWN -> ProbeStatus.UNKNOWN;
            };
            lines.add(new Line.Builder().add(g.fit(f.feature().id(), 8 + 1 + 18) + " ", Style.NORMAL)
                    .add(g.fit(f.availability().label(), 14) + " ", DoctorScreen.style(shown))
                    .add(g.fit(f.since(), 6) + " ", Style.NORMAL)
                    .add(g.fit(f.feature().description(), Math.max(8, width - 1 - (28 + 15 + 7))), Style.DIM).selectable("feature." + f.feature().id()));
        }
        return Body.of("Kernel " + report.host().kernel() + "  " + verdict, Line.of(g.fit("STATUS", 8) + " " + g.fit("PROBE", 18) + " " + g.fit("OBSERVED", observed)
                + " REQUIRED", Style.HEADER), lines);
    }

    /** One probe in full: what was observed, what kpf needs, the fix, and the items it looked at. */
    private static Body detail(ProbeResult r, int width) {
        List<Line> lines = new ArrayList<>();
        lines.add(new Line.Builder().add("status    ", Style.DIM).add(r.status().label(), DoctorScreen.style(r.status())).build());
        lines.addAll(Wrap.lines("observed  ", r.observed(), width, Style.NORMAL));
        if (!r.required().isEmpty()) lines.addAll(Wrap.lines("required  ", r.required(), width, Style.NORMAL));
        if (!r.remedy().isEmpty()) lines.addAll(Wrap.lines("fix       ", r.remedy(), width, Style.BOLD));
        if (!r.items().isEmpty()) {
            lines.add(Line.blank());
            for (dev.kpf.probes.probe.ProbeItem item : r.items()) {
                String answer = switch (item.support()) {
                    case dev.kpf.probes.probe.Support.Supported x -> "supported";
                    case dev.kpf.probes.probe.Support.Unsupported x -> "unsupported: " + x.reason();
                    case dev.kpf.probes.probe.Support.Unknown x -> "unknown: " + x.reason();
                };
                Style style = item.support() instanceof dev.kpf.probes.probe.Support.Supported ? Style.OK : item.required() ? Style.BAD : Style.WARN;
                lines.addAll(Wrap.lines("  " + item.name() + (item.required() ? "" : " (optional)") + "  ", answer, width, style));
            }
        }
        return Body.of(r.id() + "  (Esc: back)", null, lines);
    }

    private static Body detail(FeatureSupport f, int width) {
        List<Line> lines = new ArrayList<>();
        lines.add(Line.of("on this kernel  " + f.availability().label(), Style.NORMAL));
        lines.add(Line.of("since           " + f.since(), Style.NORMAL));
        lines.addAll(Wrap.lines("what            ", f.feature().description(), width, Style.NORMAL));
        return Body.of(f.feature().id() + "  (Esc: back)", null, lines);
    }
}
