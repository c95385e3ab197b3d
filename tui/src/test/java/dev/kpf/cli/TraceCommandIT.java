package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.trace.TraceControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kpf trace} against the real programs: the demo cluster's table programmed on a test cgroup, connects made
 * by bash from that cgroup inside a namespace of the test's with no routes (the connect is translated, then fails
 * with ENETUNREACH: nothing leaves the namespace).
 */
class TraceCommandIT {
    private DemoDatapath demo;

    @BeforeEach
    void setUp() throws Exception {
        demo = DemoDatapath.open("tracecli");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (demo != null) demo.close();
    }

    private void connects(String... targets) throws Exception {
        demo.connects(targets);
    }

    @Test
    void streams_the_matching_translations_as_json_with_service_and_pod_names_and_turns_tracing_off_after() throws Exception {
        CompletableFuture<CommandRun> trace = CompletableFuture.supplyAsync(() -> CommandRun.of("trace", "--bpffs", demo.pins.root().toString(),
                "--json", "--count", "3", "--duration", "30s", "--service", "kube-system/kube-dns", "--source", "demo"));
        try (TraceControl control = TraceControl.open(demo.pins)) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!control.on() && System.nanoTime() < end) Thread.sleep(50);
            assertTrue(control.on(), "kpf trace turned tracing on");
            connects("10.96.0.1:443", "10.96.0.10:53", "10.96.0.1:443", "10.96.0.10:53", "10.96.0.10:53", "10.96.0.10:53");
            CommandRun r = trace.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(3, lines.size(), "--count 3 stops after three events of kube-dns:\n" + r.out());
            for (String l : lines) {
                JsonObject o = JsonParser.parseString(l).getAsJsonObject();
                assertEquals("kpf.trace/v1", o.get("schema").getAsString());
                assertEquals("kube-system/kube-dns:dns-tcp", o.get("service").getAsString(), l);
                assertEquals("10.96.0.10:53", o.get("vip").getAsString());
                assertEquals("connect", o.get("hook").getAsString());
                assertEquals("translated", o.get("outcome").getAsString());
                assertEquals("bash", o.get("comm").getAsString());
                assertTrue(o.get("backend").getAsString().matches("10\\.244\\.\\d+\\.\\d+:53"), l);
                assertTrue(o.get("pod").getAsString().startsWith("kube-dns-"), "pod names come from --source: " + l);
            }
            assertTrue(r.err().contains("3 events; tracing stopped"), r.err());
            assertFalse(control.on(), "the only tracer left: tracing is off");
        }
    }

    @Test
    void text_output_names_the_hook_the_outcome_and_not_a_service_only_when_asked() throws Exception {
        CompletableFuture<CommandRun> trace = CompletableFuture.supplyAsync(() -> CommandRun.of("trace", "--bpffs", demo.pins.root().toString(),
                "--count", "2", "--duration", "30s", "--vip", "10.96.0.77:80"));
        try (TraceControl control = TraceControl.open(demo.pins)) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!control.on() && System.nanoTime() < end) Thread.sleep(50);
            connects("10.96.0.10:53", "10.96.0.77:80", "10.96.0.77:80");
            CommandRun r = trace.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(2, lines.size(), r.out());
            for (String l : lines) assertTrue(l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6} bash\\[\\d+] connect TCP 10\\.96\\.0\\.77:80 not-a-service cgroup=\\d+ netns=\\d+ sock=\\d+"), l);
        }
    }

    @Test
    void bad_filters_are_usage_errors_and_missing_pins_say_what_to_do() {
        CommandRun vip = CommandRun.of("trace", "--vip", "10.96.0.10:99999");
        assertEquals(ExitCodes.USAGE, vip.exitCode());
        assertTrue(vip.err().contains("--vip 10.96.0.10:99999: expected ADDRESS or ADDRESS:PORT"), vip.err());
        CommandRun service = CommandRun.of("trace", "--service", "kube-dns");
        assertEquals(ExitCodes.USAGE, service.exitCode());
        assertTrue(service.err().contains("expected NAMESPACE/NAME"), service.err());
        CommandRun duration = CommandRun.of("trace", "--duration", "soon");
        assertEquals(ExitCodes.USAGE, duration.exitCode());
        CommandRun none = CommandRun.of("trace", "--bpffs", "/sys/fs/bpf/kpf-test-nothing-here");
        assertEquals(ExitCodes.COULD_NOT_RUN, none.exitCode());
        assertTrue(none.err().contains("no kpf tracing maps are pinned under /sys/fs/bpf/kpf-test-nothing-here: start the agent"), none.err());
    }
}
