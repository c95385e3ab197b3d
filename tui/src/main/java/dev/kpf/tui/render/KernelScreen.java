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

    public static Body render(ProbeReport report, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        if (report == null) {
            lines.add(Line.of("probing the kernel...", Style.DIM));
            return Body.of("Kernel", null, lines);
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
                    .add(r.required().isEmpty() ? "" : "needs " + r.required(), Style.DIM).selectable(r.id()));
            if (r.status() != ProbeStatus.PASS && !r.remedy().isEmpty()) lines.add(Line.of("         fix: " + r.remedy(), Style.DIM));
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
                    .add(f.feature().description(), Style.DIM).selectable("feature." + f.feature().id()));
        }
        return Body.of("Kernel " + report.host().kernel() + "  " + verdict, Line.of(g.fit("STATUS", 8) + " " + g.fit("PROBE", 18) + " " + g.fit("OBSERVED", observed)
                + " REQUIRED", Style.HEADER), lines);
    }
}
