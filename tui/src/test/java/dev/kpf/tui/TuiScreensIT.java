package dev.kpf.tui;

import com.googlecode.lanterna.SGR;
import dev.kpf.cli.Golden;
import dev.kpf.tui.model.TuiSnapshot;
import dev.kpf.tui.render.Glyphs;
import dev.kpf.tui.view.KeyHandler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TUI as a user drives it, on Lanterna's virtual terminal: every screen from fixture models against its golden
 * text (testdata/golden/tui-*.txt), filter, drill-down, help, command palette, resize, ASCII and monochrome.
 */
class TuiScreensIT {
    private static final TuiSnapshot SNAPSHOT = TuiFixtures.snapshot(true);

    private static VirtualTui tui(int columns, int rows) throws Exception {
        return new VirtualTui(columns, rows, () -> SNAPSHOT, Glyphs.UNICODE, true);
    }

    @Test
    void every_screen_at_80x24_matches_its_golden_text() throws Exception {
        VirtualTui t = tui(80, 24);
        Golden.assertMatches("tui-services-80x24.txt", t.text());
        Golden.assertMatches("tui-node-80x24.txt", t.keys("2").text());
        Golden.assertMatches("tui-kernel-80x24.txt", t.keys("3").text());
        Golden.assertMatches("tui-daemonsets-80x24.txt", t.keys("4").text());
        Golden.assertMatches("tui-doctor-80x24.txt", t.keys("5").text());
        Golden.assertMatches("tui-trace-80x24.txt", t.keys("6").text());
    }

    @Test
    void the_trace_pane_traces_only_while_shown_filters_and_drills_into_a_services_last_connections() throws Exception {
        VirtualTui t = tui(140, 24).keys("6");
        assertEquals(List.of("trace on"), t.actions, "opening the pane starts tracing");
        assertTrue(t.row(3).startsWith("Trace (tracing; 4 shown of 57 events)"), t.row(3));
        assertTrue(t.row(5).contains("curl[4242]") && t.row(5).contains("10.96.1.10:80/TCP shop/frontend:http") && t.row(5).contains("-> 10.244.1.136:8080")
                && t.row(5).endsWith("translated"), t.row(5));
        assertTrue(t.text().contains("refused") && t.text().contains("affinity-hit"), t.text());
        t.keys("<Enter>");
        assertTrue(t.row(3).startsWith("shop/frontend:http: last 2 connections (Esc: back)"), t.row(3));
        t.keys("<Esc>", "/", "coredns", "<Enter>");
        assertTrue(t.row(3).contains("1 shown of 57 events; /coredns"), t.row(3));
        t.keys(":", "trace vip=10.96.0.10:53", "<Enter>");
        assertTrue(t.actions.contains("trace filter vip=10.96.0.10:53"), t.actions.toString());
        assertTrue(t.row(23).contains("trace: vip=10.96.0.10:53"), t.row(23));
        String narrow = tui(80, 24).keys("6").row(5);
        assertTrue(narrow.matches(".*10:15:30 curl\\[4242] +connect +shop/frontend:http +-> frontend-7c.* translated"), "80 columns: the names: " + narrow);
        t.keys("1");
        assertEquals("trace off", t.actions.getLast(), "leaving the pane stops tracing: " + t.actions);
        t.keys("<Enter>");
        assertEquals("trace on", t.actions.getLast(), "a service's detail traces too, for its last connections");
    }

    @Test
    void the_trace_pane_says_when_events_were_lost() throws Exception {
        dev.kpf.tui.model.TraceView tv = SNAPSHOT.trace();
        TuiSnapshot behind = new TuiSnapshot(SNAPSHOT.header(), SNAPSHOT.services(), null, SNAPSHOT.node(), SNAPSHOT.kernel(), SNAPSHOT.daemonSets(),
                SNAPSHOT.doctor(), new dev.kpf.tui.model.TraceView(tv.active(), tv.status(), tv.filter(), tv.rows(), tv.byService(), tv.received(), 3));
        VirtualTui t = new VirtualTui(120, 24, () -> behind, Glyphs.UNICODE, true).keys("6");
        assertTrue(t.row(3).startsWith("Trace (tracing; 4 shown of 57 events, 3 lost (the pane fell behind))"), t.row(3));
    }

    @Test
    void the_simulated_banner_and_the_header_say_where_the_data_comes_from() throws Exception {
        VirtualTui t = tui(80, 24);
        assertEquals(" kpf | node-a (demo) | agent ready, 12 syncs | demo API 127.0.0.1:40000 | 5.15.…", t.row(0), "cut with an ellipsis");
        assertEquals(" SIMULATED MAPS, nothing in the kernel: not root: run sudo kpf tui --demo", t.row(1), "what, why and the fix");
        assertEquals(" kpf tui --demo", tui(60, 24).row(2), "wrapped where it does not fit, never cut");
        VirtualTui real = new VirtualTui(80, 24, () -> TuiFixtures.snapshot(false), Glyphs.UNICODE, true);
        assertFalse(real.text().contains("SIMULATED"), real.text());
    }

    @Test
    void a_filter_narrows_the_services_and_esc_clears_it() throws Exception {
        VirtualTui t = tui(80, 24).keys("/", "kafka");
        assertTrue(t.text().contains("/kafka_"), "the filter is shown while typed: " + t.text());
        t.keys("<Enter>");
        assertTrue(t.row(3).startsWith("Services (2 of 69 frontends, filter /kafka"), t.row(3));
        List<String> rows = t.text().lines().skip(5).filter(l -> !l.isBlank()).toList();
        assertEquals(3, rows.size(), "two rows and the footer: " + rows);
        assertTrue(rows.get(0).contains("data/kafka:plain") && rows.get(1).contains("data/kafka:tls"), rows.toString());
        t.keys("<Esc>");
        assertTrue(t.row(3).startsWith("Services (69 frontends"), t.row(3));
    }

    @Test
    void enter_drills_into_a_service_and_esc_returns_to_the_same_row() throws Exception {
        VirtualTui t = tui(80, 24).keys("j", "j", "j");
        String selected = t.row(8);
        assertTrue(selected.startsWith("▶"), selected);
        t.keys("<Enter>");
        assertTrue(t.row(3).startsWith(selected.substring(1, 20).strip()), t.row(3) + " vs " + selected);
        assertTrue(t.text().contains("BACKEND") && t.text().contains("CONNECTS"), t.text());
        t.keys("<Esc>");
        assertEquals(selected, t.row(8));
    }

    @Test
    void question_mark_lists_every_key_and_any_key_closes_it() throws Exception {
        VirtualTui t = tui(80, 24).keys("?");
        String text = t.text();
        assertTrue(text.contains("keys (any key closes)"), text);
        for (String[] k : KeyHandler.KEYS) assertTrue(text.contains(k[1]), k[1] + " missing from " + text);
        t.keys("x");
        assertFalse(t.text().contains("keys (any key closes)"));
    }

    @Test
    void the_command_palette_opens_screens_and_names_unknown_commands() throws Exception {
        VirtualTui t = tui(80, 24).keys(":", "ds", "<Enter>");
        assertTrue(t.row(3).startsWith("DaemonSets (10"), t.row(3));
        assertTrue(t.row(4).contains("kube-proxy is PRESENT"), t.row(4));
        t.keys(":", "bogus", "<Enter>");
        assertTrue(t.row(23).contains("unknown command :bogus (try :svc :node :kernel :ds :doctor :trace :q)"), t.row(23));
        t.keys(":", "q", "<Enter>");
        assertFalse(t.running, ":q quits");
    }

    @Test
    void tab_cycles_screens_and_doctor_keys_reach_the_model() throws Exception {
        VirtualTui t = tui(80, 24).keys("<Tab>", "<Tab>", "<Tab>", "<Tab>");
        assertTrue(t.row(3).startsWith("Doctor (3 checks: 1 failed, 1 warning;"), t.row(3));
        t.keys("r", "b");
        assertEquals(List.of("doctor", "bundle"), t.actions);
        t.keys("<Tab>");
        assertTrue(t.row(3).startsWith("Trace"), t.row(3));
    }

    @Test
    void a_resize_relayouts_without_leftovers() throws Exception {
        VirtualTui t = tui(80, 24);
        t.resize(120, 40);
        Golden.assertMatches("tui-services-120x40.txt", t.text());
        t.resize(80, 24);
        assertEquals(tui(80, 24).text(), t.text(), "back to 80x24 looks as if it started there");
    }

    @Test
    void paging_keeps_the_selection_visible() throws Exception {
        VirtualTui t = tui(80, 24).keys("<PgDn>", "<PgDn>", "G");
        assertTrue(t.text().lines().anyMatch(l -> l.startsWith("▶")), t.text());
        assertTrue(t.row(23).contains("/69"), "the position is shown: " + t.row(23));
    }

    @Test
    void a_plain_terminal_gets_ascii_and_no_color_gets_reverse_video() throws Exception {
        VirtualTui ascii = new VirtualTui(80, 24, () -> SNAPSHOT, Glyphs.ASCII, false);
        assertTrue(ascii.text().chars().allMatch(c -> c < 128), ascii.text());
        assertTrue(ascii.at(1, 5).getModifiers().contains(SGR.REVERSE), "the selected row in reverse video");
        assertEquals(com.googlecode.lanterna.TextColor.ANSI.DEFAULT, ascii.at(1, 5).getForegroundColor());
        Golden.assertMatches("tui-services-ascii-80x24.txt", ascii.text());
    }

    /** Issue 18: at 80x24 names may be cut, but a frontend's scope marker and the remedies never are. */
    @Test
    void at_80x24_markers_and_fixes_are_never_cut() throws Exception {
        List<String> nodePorts = tui(80, 24).keys("/", "ingress-nginx:http", "<Enter>").text().lines()
                .filter(l -> l.contains("NodePort") || l.contains("ExternalIP")).toList();
        assertEquals(10, nodePorts.size(), "NodePorts and ExternalIPs of http and https, each external and internal: " + nodePorts);
        assertEquals(10, nodePorts.stream().map(l -> l.substring(36, 56)).distinct().count(), "each frontend looks different: " + nodePorts);
        assertEquals(5, nodePorts.stream().filter(l -> l.substring(36, 56).strip().endsWith("/TCP int")).count(), "the marker is shown: " + nodePorts);
        for (dev.kpf.tui.view.ScreenId screen : List.of(dev.kpf.tui.view.ScreenId.KERNEL, dev.kpf.tui.view.ScreenId.DOCTOR,
                dev.kpf.tui.view.ScreenId.DAEMONSETS)) {
            dev.kpf.tui.render.Body body = dev.kpf.tui.render.Layout.body(SNAPSHOT, dev.kpf.tui.view.ViewState.initial().withScreen(screen), 80, Glyphs.UNICODE);
            List<String> lines = body.lines().stream().map(dev.kpf.tui.render.Line::text).toList();
            List<String> fixes = remedies(screen);
            assertFalse(fixes.isEmpty(), screen + " has remedies in the fixture");
            String joined = String.join(" ", lines.stream().map(String::strip).toList());
            for (String fix : fixes) assertTrue(joined.contains("fix: " + fix), screen + ": the whole fix \"" + fix + "\" in\n" + String.join("\n", lines));
            for (String l : lines) {
                if (l.strip().startsWith("fix:") || l.startsWith("      ")) assertTrue(l.length() <= 79, screen + ": a fix line fits 80 columns: " + l);
            }
        }
    }

    private static List<String> remedies(dev.kpf.tui.view.ScreenId screen) {
        return switch (screen) {
            case KERNEL -> SNAPSHOT.kernel().results().stream().filter(r -> r.status() != dev.kpf.probes.probe.ProbeStatus.PASS)
                    .map(dev.kpf.probes.probe.ProbeResult::remedy).filter(r -> !r.isEmpty()).toList();
            case DOCTOR -> SNAPSHOT.doctor().report().checks().stream().filter(c -> c.status() != dev.kpf.probes.probe.ProbeStatus.PASS)
                    .map(dev.kpf.diagnostics.CheckResult::remedy).filter(r -> !r.isEmpty()).toList();
            default -> SNAPSHOT.daemonSets().checks().stream().filter(c -> c.status() != dev.kpf.probes.probe.ProbeStatus.PASS)
                    .map(dev.kpf.diagnostics.CheckResult::remedy).filter(r -> !r.isEmpty()).toList();
        };
    }

    /** Issue 18: Enter on a kernel probe or a doctor check shows its whole text; Esc goes back to the same row. */
    @Test
    void enter_shows_a_probe_or_a_check_in_full() throws Exception {
        VirtualTui t = tui(80, 24).keys("3", "j", "j", "j");
        String selected = t.row(8);
        dev.kpf.probes.probe.ProbeResult probe = SNAPSHOT.kernel().results().stream().filter(r -> selected.contains(" " + r.id() + " ")).findFirst().orElseThrow();
        t.keys("<Enter>");
        assertTrue(t.row(3).startsWith(probe.id() + "  (Esc: back)"), t.row(3));
        String detail = String.join(" ", t.text().lines().skip(4).map(String::strip).toList());
        for (String part : List.of(probe.observed(), probe.required(), probe.remedy())) assertTrue(detail.contains(part), part + " in " + detail);
        t.keys("<Esc>");
        assertEquals(selected, t.row(8), "back on the same row");
        VirtualTui d = tui(80, 24).keys("5", "j", "<Enter>");
        dev.kpf.diagnostics.CheckResult check = SNAPSHOT.doctor().report().checks().get(1);
        assertTrue(d.row(3).startsWith(check.id() + "  (Esc: back)"), d.row(3));
        String text = String.join(" ", d.text().lines().skip(4).map(String::strip).toList());
        assertTrue(text.contains(check.observed()) && text.contains(check.remedy()), text);
    }

    /** Issue 18: the palette completes with Tab and knows k9s's aliases. */
    @Test
    void the_palette_completes_with_tab_and_knows_k9s_aliases() throws Exception {
        for (String[] alias : new String[][] {{"no", "Node"}, {"nodes", "Node"}, {"services", "Services ("}, {"service", "Services ("},
                {"daemonsets", "DaemonSets ("}, {"ds", "DaemonSets ("}, {"kernel", "Kernel "}, {"doctor", "Doctor ("}, {"trace", "Trace"}}) {
            VirtualTui t = tui(80, 24).keys("1", ":", alias[0], "<Enter>");
            assertTrue(t.row(3).startsWith(alias[1]), ":" + alias[0] + " opens " + alias[1] + ", not " + t.row(3));
        }
        VirtualTui t = tui(80, 24).keys(":", "doc", "<Tab>");
        assertTrue(t.row(23).startsWith(" :doctor_"), "unique prefix completed: " + t.row(23));
        t.keys("<Enter>");
        assertTrue(t.row(3).startsWith("Doctor ("), t.row(3));
        t.keys(":", "d", "<Tab>");
        assertTrue(t.row(23).startsWith(" :d_") && t.row(23).contains("daemonsets") && t.row(23).contains("doctor") && t.row(23).contains("ds"),
                "several candidates are listed: " + t.row(23));
        t.keys("a", "<Tab>");
        assertTrue(t.row(23).startsWith(" :daemonset_"), "the common prefix: " + t.row(23));
    }

    /** Review of issue 18: the last check's fix scrolls into view with it; the footer says when the doctor is done. */
    @Test
    void a_selected_checks_fix_is_in_view_and_the_footer_reports_the_doctor_and_the_bundle() throws Exception {
        VirtualTui last = new VirtualTui(80, 12, () -> SNAPSHOT, Glyphs.UNICODE, true).keys("5", "G");
        assertTrue(last.text().contains("fix: the agent runs with --simulate"), "the last check's fix is shown: " + last.text());

        TuiSnapshot[] now = {withDoctor(new dev.kpf.tui.model.DoctorView(null, true, null))};
        VirtualTui t = new VirtualTui(80, 24, () -> now[0], Glyphs.UNICODE, true).keys("5", "r");
        assertTrue(t.row(23).contains("running the doctor..."), t.row(23));
        now[0] = SNAPSHOT;
        t.step();
        assertTrue(t.row(23).contains("doctor: 3 checks, 1 failed, 1 warning"), "the footer says it is done: " + t.row(23));
        String bundle = "bundle: /var/tmp/kpf-bundle-node-a-20261203-031500.tar.gz (38 files, 3 not collected; the rest of this message "
                + "is long enough to need a second line at 80 columns)";
        now[0] = withDoctor(new dev.kpf.tui.model.DoctorView(SNAPSHOT.doctor().report(), false, bundle));
        t.step();
        String footer = String.join(" ", t.text().lines().skip(20).map(String::strip).toList());
        assertTrue(footer.contains(bundle), "the whole bundle message, wrapped, wherever the list is scrolled: " + t.text());
    }

    private static TuiSnapshot withDoctor(dev.kpf.tui.model.DoctorView d) {
        TuiSnapshot s = SNAPSHOT;
        return new TuiSnapshot(s.header(), s.services(), s.servicesError(), s.node(), s.kernel(), s.daemonSets(), d, s.trace());
    }

    @Test
    void q_quits() throws Exception {
        VirtualTui t = tui(80, 24).keys("q");
        assertFalse(t.running);
    }
}
