package dev.kpf.tui.render;

import dev.kpf.dataplane.trace.TraceEvent;
import dev.kpf.dataplane.trace.TraceHook;
import dev.kpf.dataplane.trace.TraceOutcome;
import dev.kpf.tui.model.TraceRow;
import dev.kpf.tui.model.TraceView;
import dev.kpf.tui.view.ViewState;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Live translations, newest first, as {@code kpf trace} shows them: who (command and pid), the hook, the Service
 * address and its name, the backend and its pod, and what happened. Enter on a row shows that Service's latest
 * connections and where they went. {@code :trace vip=... service=... pid=... backend=...} filters; {@code /}
 * narrows what is shown.
 */
public final class TraceScreen {
    private TraceScreen() {}

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final int TIME = 8, WHO = 14, HOOK = 7, OUTCOME = 12, BOTH = 130;

    public static Body render(TraceView t, ViewState v, int width, Glyphs g) {
        List<Line> lines = new ArrayList<>();
        if (!t.active() && t.rows().isEmpty()) {
            lines.add(Line.of(t.status(), Style.WARN));
            return Body.of("Trace", null, lines);
        }
        int flexible = Math.max(20, width - TIME - WHO - HOOK - OUTCOME - 6);
        int vip = flexible * 11 / 20, backend = flexible - vip;
        boolean both = width >= BOTH;
        Line columns = new Line.Builder().add(g.fit("TIME", TIME) + " " + g.fit("WHO", WHO) + " " + g.fit("HOOK", HOOK) + " "
                + g.fit(both ? "SERVICE ADDRESS AND NAME" : "SERVICE", vip) + " " + g.fit(both ? "BACKEND AND POD" : "BACKEND", backend) + " "
                + "OUTCOME", Style.HEADER).build();
        if (v.detailKey() != null) {
            List<TraceRow> recent = t.recent(v.detailKey());
            for (TraceRow r : recent) lines.add(row(r, vip, backend, both, g).build());
            if (recent.isEmpty()) lines.add(Line.of("no connections to " + v.detailKey() + " since tracing started", Style.DIM));
            return Body.of(v.detailKey() + ": last " + recent.size() + " connections (Esc: back)", columns, lines);
        }
        String filter = v.filter().toLowerCase(Locale.ROOT);
        int shown = 0;
        for (TraceRow r : t.rows()) {
            Line.Builder b = row(r, vip, backend, both, g);
            Line probe = b.build();
            if (!filter.isEmpty() && !probe.text().toLowerCase(Locale.ROOT).contains(filter)) continue;
            lines.add(r.service().isEmpty() ? probe : b.selectable(r.service()));
            shown++;
        }
        if (shown == 0) lines.add(Line.of(t.active() ? "waiting for connections to Services..." : t.status(), Style.DIM));
        String title = "Trace (" + (t.active() ? "tracing" : t.status()) + "; " + shown + " shown of " + t.received() + " events"
                + (t.lost() > 0 ? ", " + t.lost() + " lost (the pane fell behind)" : "")
                + (t.filter().isEmpty() ? "" : "; :trace " + t.filter()) + (v.filter().isEmpty() ? "" : "; /" + v.filter()) + ")";
        return Body.of(title, columns, lines);
    }

    /** Narrow screens show the name where there is one (the Service, the pod), wide ones the address and the name. */
    private static Line.Builder row(TraceRow r, int vip, int backend, boolean both, Glyphs g) {
        TraceEvent e = r.event();
        boolean reverse = e.hook() == TraceHook.RECVMSG || e.hook() == TraceHook.GETPEERNAME;
        String address = e.vipText() + "/" + e.protocolName();
        String service = r.service().isEmpty() ? address : both ? address + " " + r.service() : r.service();
        String pod = r.pod().isEmpty() ? e.backendText() : both ? e.backendText() + " " + r.pod() : r.pod();
        String to = e.backend().isEmpty() ? "-" : (reverse ? "<- " : "-> ") + pod;
        Style outcome = switch (e.outcome()) {
            case TRANSLATED, AFFINITY_HIT -> Style.OK;
            case REFUSED -> Style.BAD;
            case NOT_SERVICE -> Style.DIM;
        };
        return new Line.Builder()
                .add(g.fit(CLOCK.format(e.time()), TIME) + " ", Style.DIM)
                .add(g.fit(e.comm() + "[" + e.pid() + "]", WHO) + " ", Style.NORMAL)
                .add(g.fit(e.hook().label(), HOOK) + " ", Style.DIM)
                .add(g.fit(service, vip) + " ", Style.NORMAL)
                .add(g.fit(to, backend) + " ", Style.NORMAL)
                .add(e.outcome() == TraceOutcome.NOT_SERVICE ? "no service" : e.outcome().label, outcome);
    }
}
