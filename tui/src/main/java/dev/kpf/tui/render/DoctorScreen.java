package dev.kpf.tui.render;

import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.tui.model.DoctorView;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The doctor's checks grouped by area, each with its remedy; `r` runs them, `b` writes a support bundle. */
public final class DoctorScreen {
    private DoctorScreen() {}

    public static Style style(ProbeStatus s) {
        return switch (s) {
            case PASS -> Style.OK;
            case WARN -> Style.WARN;
            case FAIL -> Style.BAD;
            case UNKNOWN -> Style.DIM;
        };
    }

    public static Body render(DoctorView d, dev.kpf.tui.view.ViewState v, int width, Glyphs g) {
        if (v.detailKey() != null && d.report() != null) {
            for (CheckResult c : d.report().checks()) if (c.id().equals(v.detailKey())) return detail(c, width);
        }
        List<Line> lines = new ArrayList<>();
        if (d.bundle() != null) lines.addAll(Wrap.lines("", d.bundle(), width, Style.BOLD));
        if (d.running()) lines.add(Line.of("running the checks...", Style.DIM));
        if (d.report() == null) {
            if (!d.running()) lines.addAll(Wrap.lines("", "Press r to run every check (node, kernel, cluster, agent, maps); b writes a redacted support bundle.", width, Style.NORMAL));
            return Body.of("Doctor", null, lines);
        }
        String area = "";
        int observed = Math.max(20, width - 43);
        for (CheckResult c : d.report().checks()) {
            if (!c.area().equals(area)) {
                area = c.area();
                lines.add(Line.of(area.toUpperCase(Locale.ROOT), Style.TITLE));
            }
            lines.add(new Line.Builder().add("  " + g.fit(c.status().label(), 8) + " ", style(c.status()))
                    .add(g.fit(c.id(), 30) + " ", Style.NORMAL).add(g.fit(c.observed(), observed), Style.NORMAL).selectable(c.id()));
            if (c.status() != ProbeStatus.PASS && !c.remedy().isEmpty()) lines.addAll(Wrap.lines("           fix: ", c.remedy(), width, Style.DIM));
        }
        dev.kpf.diagnostics.DoctorSummary sum = dev.kpf.diagnostics.DoctorSummary.of(d.report());
        return Body.of("Doctor (" + dev.kpf.diagnostics.DoctorSummary.count(sum.checks(), "check") + ": " + sum.fail() + " failed, "
                + dev.kpf.diagnostics.DoctorSummary.count(sum.warn(), "warning") + "; r: run again, b: bundle)", null, lines);
    }

    /** One check in full: its area, what it observed and expected, the fix, and the kpf features it concerns. */
    private static Body detail(CheckResult c, int width) {
        List<Line> lines = new ArrayList<>();
        lines.add(new Line.Builder().add("status    ", Style.DIM).add(c.status().label(), style(c.status())).add("   area " + c.area(), Style.DIM).build());
        lines.addAll(Wrap.lines("observed  ", c.observed(), width, Style.NORMAL));
        if (!c.expected().isEmpty()) lines.addAll(Wrap.lines("expected  ", c.expected(), width, Style.NORMAL));
        if (!c.remedy().isEmpty()) lines.addAll(Wrap.lines("fix       ", c.remedy(), width, Style.BOLD));
        if (!c.features().isEmpty()) lines.addAll(Wrap.lines("features  ", String.join(", ", c.features()), width, Style.DIM));
        return Body.of(c.id() + "  (Esc: back)", null, lines);
    }
}
