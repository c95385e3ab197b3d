package dev.kpf.cli;

import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * `kpf tui --demo` end to end, as a user runs it: the packaged bin/kpf in a tmux pane (a private tmux server), keys
 * sent, the pane captured. As root the demo runs real BPF maps with traffic, so the connect rates must move; quitting
 * exits 0, leaves the alternate screen and removes every netns, pin and cgroup the demo made.
 */
class TuiDemoLauncherIT {
    private static final Path REPO = Path.of(System.getProperty("kpf.repoRoot", "..")).toAbsolutePath().normalize();
    private final String socket = "kpf-test-" + ProcessHandle.current().pid();

    @AfterEach
    void killTmux() throws Exception {
        tmux("kill-server");
        // tmux leaves its socket file behind
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
        Files.deleteIfExists(Path.of(System.getenv().getOrDefault("TMUX_TMPDIR", "/tmp"), "tmux-" + uid, socket));
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        return out;
    }

    private String pane() throws Exception {
        return tmux("capture-pane", "-p", "-t", "demo");
    }

    /** Polls the pane (every 250 ms, at most {@code seconds}) until it satisfies {@code ok}; fails with the last capture. */
    private String await(int seconds, String what, Predicate<String> ok) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            last = pane();
            if (ok.test(last)) return last;
            Thread.sleep(250);
        }
        fail("waited " + seconds + " s for " + what + "; the pane shows:\n" + last + "\npanes: "
                + tmux("list-panes", "-a", "-F", "#{pane_dead} #{pane_dead_status} #{pane_current_command}"));
        return last;
    }

    private static List<Path> demoLeftovers() throws Exception {
        List<Path> found = new ArrayList<>();
        for (Path dir : List.of(Path.of("/run/netns"), Path.of("/sys/fs/bpf"), Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().startsWith("kpf-demo-")).forEach(found::add);
            }
        }
        return found;
    }

    @Test
    void the_demo_shows_services_with_backends_no_kube_proxy_and_quits_cleanly() throws Exception {
        KernelRequirement.requireCommand("tmux");
        boolean root = KernelRequirement.enforced() || Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        if (root) KernelRequirement.requireBpf();
        tmux("new-session", "-d", "-s", "demo", "-x", "100", "-y", "30",
                "env LANG=C.UTF-8 " + REPO.resolve("bin/kpf") + " tui --demo; echo EXIT=$?; sleep 120");
        await(60, "the Services screen with the demo's frontends", p -> p.contains("Services (") && p.contains("agent ready"));
        tmux("send-keys", "-t", "demo", "/", "kube-dns", "Enter");
        String services = await(20, "the filter to show kube-dns", p -> p.contains("filter /kube-dns") && p.contains("kube-system/kube-dns:dns "));
        assertTrue(services.lines().anyMatch(l -> l.contains("kube-system/kube-dns:dns ") && l.contains("10.96.0.10:53/UDP") && l.contains("2/2")),
                "kube-dns with its two ready backends:\n" + services);
        assertEquals(root, !services.contains("SIMULATED MAPS"), "real maps as root, a banner otherwise:\n" + services);
        if (root) {
            tmux("send-keys", "-t", "demo", "Escape", "s", "s", "s", "s", "S");
            await(30, "connects counted by the kernel programs (a non-zero rate at the top of the sort by rate)", p -> p.lines()
                    .anyMatch(l -> l.startsWith("▶") && l.matches(".*ClusterIP .* [1-9][0-9.]* +[▁▂▃▄▅▆▇█ ]+$")));
            tmux("send-keys", "-t", "demo", "S", "s");
            tmux("send-keys", "-t", "demo", "6");
            await(30, "the demo traffic's translations on the Trace pane, with Service and pod names", p -> p.contains("Trace (tracing;")
                    && p.lines().anyMatch(l -> l.matches(".*\\d\\d:\\d\\d:\\d\\d java\\[\\d+] +connect +[a-z-]+/[a-z0-9-]+:[a-z0-9-]+ +-> [a-z].* translated$")));
            tmux("send-keys", "-t", "demo", "1");
        } else {
            tmux("send-keys", "-t", "demo", "6");
            String trace = await(20, "the Trace pane without BPF", p -> p.contains("tracing needs the BPF datapath"));
            assertFalse(trace.contains("Trace (tracing;"), trace);
            tmux("send-keys", "-t", "demo", "1");
        }
        tmux("send-keys", "-t", "demo", "4");
        String ds = await(20, "the DaemonSets screen", p -> p.contains("DaemonSets ("));
        assertTrue(ds.contains("kube-proxy is absent"), ds);
        assertFalse(ds.lines().anyMatch(l -> l.matches(".*kube-system +kube-proxy .*")), ds);

        tmux("send-keys", "-t", "demo", "q");
        String after = await(30, "kpf to exit", p -> p.contains("EXIT="));
        assertTrue(after.contains("EXIT=0"), after);
        assertEquals("0", tmux("display", "-p", "-t", "demo", "#{alternate_on}").strip(), "the terminal left the alternate screen");
        assertFalse(after.contains("Services ("), "the UI is gone from the pane:\n" + after);
        assertEquals(List.of(), demoLeftovers(), "the demo removed its netns, pins and cgroup");
    }

    /**
     * Issue 18: TERM=dumb gets no colour, and quitting after the terminal grew leaves nothing of the UI on the shell
     * (tmux, as xterm, carries alternate-screen lines that a grown window exposes back to the normal screen unless
     * they are blank when the UI leaves).
     */
    @Test
    void a_dumb_terminal_is_monochrome_and_quitting_after_a_resize_leaves_a_clean_shell() throws Exception {
        KernelRequirement.requireCommand("tmux");
        tmux("new-session", "-d", "-s", "demo", "-x", "100", "-y", "30",
                "env LANG=C.UTF-8 TERM=dumb " + REPO.resolve("bin/kpf") + " tui --demo --simulate; echo EXIT=$?; sleep 120");
        await(60, "the Services screen", p -> p.contains("Services (") && p.contains("agent ready"));
        String styled = tmux("capture-pane", "-p", "-e", "-t", "demo");
        java.util.regex.Matcher sgr = java.util.regex.Pattern.compile("\u001b\\[([0-9;]*)m").matcher(styled);
        int sequences = 0;
        while (sgr.find()) {
            sequences++;
            for (String param : sgr.group(1).split(";")) {
                if (param.isEmpty()) continue;
                int n = Integer.parseInt(param);
                assertFalse(n >= 30 && n <= 49 && n != 39 && n != 49 || n >= 90 && n <= 107, "a colour (SGR " + sgr.group(1) + ") on TERM=dumb");
            }
        }
        assertTrue(sequences > 0, "bold and reverse video are still there (tmux shows them as SGR sequences): " + styled);
        tmux("resize-window", "-t", "demo", "-x", "120", "-y", "40");
        await(20, "the UI redrawn at 120 columns", p -> p.lines().anyMatch(l -> l.length() > 100 && l.contains("ClusterIP")));
        tmux("send-keys", "-t", "demo", "q");
        String after = await(30, "kpf to exit", p -> p.contains("EXIT="));
        assertTrue(after.contains("EXIT=0"), after);
        assertEquals(List.of("EXIT=0"), after.lines().filter(l -> !l.isBlank()).toList(), "nothing of the UI is left on the shell:\n" + after);
    }
}
