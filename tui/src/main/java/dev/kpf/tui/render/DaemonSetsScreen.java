package dev.kpf.tui.render;

import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.DaemonSetRow;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.tui.model.DaemonSetView;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The platform's verification: kube-proxy's absence first and prominent, then every DaemonSet with its readiness. */
public final class DaemonSetsScreen {
    private DaemonSetsScreen() {}

    private static final Set<String> DATAPLANES = Set.of("anetd", "kpf");

    public static Body render(DaemonSetView d, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        if (d == null) {
            lines.add(Line.of("reading DaemonSets...", Style.DIM));
            return Body.of("DaemonSets", null, lines);
        }
        if (d.error() != null) {
            lines.add(Line.of("cannot list DaemonSets: " + d.error(), Style.WARN));
            return Body.of("DaemonSets", null, lines);
        }
        boolean kubeProxy = d.rows().stream().anyMatch(r -> r.name().equals("kube-proxy"));
        lines.add(Line.of(kubeProxy ? g.bad() + " kube-proxy is PRESENT: this cluster is not kube-proxy-free"
                : g.ok() + " kube-proxy is absent: kube-proxy-free", kubeProxy ? Style.BAD : Style.OK));
        for (CheckResult c : d.checks()) {
            if (c.status() == ProbeStatus.PASS && !c.id().equals("daemonsets.dataplane-ready")) continue;
            lines.addAll(Wrap.lines("  ", c.observed(), width, DoctorScreen.style(c.status())));
            if (c.status() != ProbeStatus.PASS && !c.remedy().isEmpty()) lines.addAll(Wrap.lines("  fix: ", c.remedy(), width, Style.DIM));
        }
        lines.add(Line.blank());
        int name = Math.max(16, width - 20 - 6 * 8 - 8);
        lines.add(Line.of(g.fit("NAMESPACE", 20) + " " + g.fit("NAME", name) + " " + String.format("%7s %7s %7s %7s %7s", "DESIRED", "CURRENT", "READY", "UP2DATE", "AVAIL"), Style.HEADER));
        for (DaemonSetRow r : d.rows()) {
            Style style = r.name().equals("kube-proxy") ? Style.BAD : !r.healthy() ? Style.WARN : DATAPLANES.contains(r.name()) ? Style.BOLD : Style.NORMAL;
            lines.add(new Line.Builder().add(g.fit(r.namespace(), 20) + " " + g.fit(r.name(), name) + " "
                    + String.format("%7d %7d %7d %7d %7d", r.desired(), r.current(), r.ready(), r.upToDate(), r.available()), style)
                    .selectable(r.namespace() + "/" + r.name()));
        }
        return Body.of("DaemonSets (" + d.rows().size() + ", as kubectl get daemonsets --all-namespaces)", null, lines);
    }
}
