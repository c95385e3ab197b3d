package dev.kpf.tui.render;

import dev.kpf.tui.model.BackendRow;
import dev.kpf.tui.model.ServiceRow;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.view.ViewState;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The heart of the TUI: every frontend read back from the kernel maps with its backends, connect rate and history,
 * marked where the maps disagree with the API; Enter shows one frontend's backends with their own counters.
 */
public final class ServicesScreen {
    private ServicesScreen() {}

    private static final int TYPE = 12, BACKENDS = 5, RATE = 6, DRIFT = 1;

    public static Body render(TuiSnapshot s, ViewState v, int width, Glyphs g) {
        if (v.detailKey() != null) {
            ServiceRow row = s.services().stream().filter(r -> r.key().equals(v.detailKey())).findFirst().orElse(null);
            if (row != null) return detail(row, s.trace(), width, g);
        }
        List<ServiceRow> rows = ServiceList.visible(s.services(), v.filter(), v.sort(), v.descending());
        int spark = width >= 110 ? 16 : width >= 90 ? 12 : 8;
        int flexible = Math.max(20, width - TYPE - BACKENDS - RATE - spark - DRIFT - 7);
        int frontend = Math.min(flexible / 2, 46), service = flexible - frontend;
        Line columns = new Line.Builder().add(g.fit("SERVICE", service) + " " + g.fit("TYPE", TYPE) + " " + g.fit("FRONTEND", frontend) + " "
                + g.fit("BE", BACKENDS) + " " + pad("CONN/S", RATE) + " " + g.fit("HISTORY", spark) + " " + "!", Style.HEADER).build();
        List<Line> head = new ArrayList<>();
        if (s.servicesError() != null) head.add(Line.of("cannot read the maps: " + s.servicesError(), Style.BAD));
        String title = "Services (" + rows.size() + (rows.size() != s.services().size() ? " of " + s.services().size() : "") + " frontends"
                + (v.filter().isEmpty() ? "" : ", filter /" + v.filter()) + ", sort " + v.sort().label + (v.descending() ? " desc" : "") + ")";
        long drifted = s.services().stream().filter(r -> r.drift() != ServiceRow.Drift.NONE).count();
        if (drifted > 0) title += "  " + drifted + " differ from the API";
        // rows become lines only when they are drawn: a frame of a 10,000-frontend table builds about fifty
        List<Line> lines = new java.util.AbstractList<>() {
            @Override
            public Line get(int i) {
                return i < head.size() ? head.get(i) : row(rows.get(i - head.size()), service, frontend, spark, g);
            }

            @Override
            public int size() {
                return head.size() + rows.size();
            }
        };
        return new Body(title, columns, lines, java.util.stream.IntStream.range(head.size(), head.size() + rows.size()).toArray());
    }

    private static Line row(ServiceRow r, int service, int frontend, int spark, Glyphs g) {
        Style state = r.drift() != ServiceRow.Drift.NONE ? Style.BAD : r.backends().isEmpty() ? Style.WARN : Style.NORMAL;
        return new Line.Builder()
                .add(g.fit(r.servicePort(), service) + " ", state)
                .add(g.fit(r.type(), TYPE) + " ", Style.DIM)
                .add(g.fitEnd(r.frontend(), frontend) + " ", state)
                .add(g.fit(r.readyBackends() + "/" + r.backends().size(), BACKENDS) + " ", r.backends().isEmpty() ? Style.WARN : Style.NORMAL)
                .add(pad(rate(r.rate()), RATE) + " ", Style.NORMAL)
                .add(g.sparkline(r.history(), spark) + " ", Style.OK)
                .add(r.drift() == ServiceRow.Drift.NONE ? " " : g.bad(), Style.BAD)
                .selectable(r.key());
    }

    private static Body detail(ServiceRow r, dev.kpf.tui.model.TraceView trace, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        lines.add(new Line.Builder().add(r.type() + " " + r.frontend(), Style.BOLD).add("   connects " + r.connects() + ", refused " + r.refused()
                + ", " + rate(r.rate()) + "/s", Style.NORMAL).build());
        lines.add(new Line.Builder().add("history ", Style.DIM).add(g.sparkline(r.history(), Math.max(8, Math.min(60, width - 10))), Style.OK).build());
        if (r.drift() != ServiceRow.Drift.NONE) lines.add(Line.of(g.bad() + " the kernel maps differ from the API: " + r.drift().label, Style.BAD));
        if (r.backends().isEmpty()) lines.add(Line.of("no backends: connections are refused (ECONNREFUSED)", Style.WARN));
        lines.add(Line.blank());
        int spark = Math.max(8, Math.min(24, width - 70));
        lines.add(Line.of(g.fit("BACKEND", 28) + " " + g.fit("STATE", 12) + " " + g.fit("LOCAL", 6) + " " + pad("CONNECTS", 10) + " "
                + pad("CONN/S", RATE) + " HISTORY", Style.HEADER));
        for (BackendRow b : r.backends()) {
            lines.add(new Line.Builder()
                    .add(g.fit(b.address(), 28) + " ", Style.NORMAL)
                    .add(g.fit(b.state(), 12) + " ", b.state().equals("ready") ? Style.OK : Style.WARN)
                    .add(g.fit(b.local() ? "yes" : "", 6) + " ", Style.NORMAL)
                    .add(pad(Long.toString(b.connects()), 10) + " " + pad(rate(b.rate()), RATE) + " ", Style.NORMAL)
                    .add(g.sparkline(b.history(), spark), Style.OK)
                    .selectable(b.address()));
        }
        lines.add(Line.blank());
        List<dev.kpf.tui.model.TraceRow> recent = trace == null ? List.of() : trace.recent(r.servicePort());
        lines.add(Line.of("LAST CONNECTIONS (traced while this view is open)", Style.HEADER));
        if (recent.isEmpty()) lines.add(Line.of(trace != null && trace.active() ? "none yet" : trace == null ? "" : trace.status(), Style.DIM));
        for (dev.kpf.tui.model.TraceRow t : recent) {
            lines.add(Line.of(t.event().comm() + "[" + t.event().pid() + "] " + t.event().hook().label() + " -> " + t.event().backendText()
                    + (t.pod().isEmpty() ? "" : " " + t.pod()) + "  " + t.event().outcome().label, Style.NORMAL));
        }
        return Body.of(r.servicePort() + "  (Esc: back)", null, lines);
    }

    static String rate(double perSecond) {
        return perSecond >= 100 ? String.format(Locale.ROOT, "%.0f", perSecond) : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
