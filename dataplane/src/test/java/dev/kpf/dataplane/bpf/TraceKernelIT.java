package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.trace.TraceControl;
import dev.kpf.dataplane.trace.TraceEvent;
import dev.kpf.dataplane.trace.TraceFilter;
import dev.kpf.dataplane.trace.TraceHook;
import dev.kpf.dataplane.trace.TraceNames;
import dev.kpf.dataplane.trace.TraceOutcome;
import dev.kpf.dataplane.trace.Tracer;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.BpfRingBuffer;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing in the running kernel: a client in a test cgroup and namespace talks to Services whose backends live in
 * another namespace, and a tracer sees each translation with who made it, where it went and what happened.
 */
class TraceKernelIT {
    private static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();

    private TestNetwork net;
    private TemporaryCgroup cgroup;
    private PinDirectory pins;
    private BpfDatapath datapath;
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("ip");
        KernelRequirement.requireCommand("nsenter");
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-trace-test-" + ProcessHandle.current().pid()));
        cgroup = TemporaryCgroup.create("kpf-test-trace-" + ProcessHandle.current().pid());
        net = TestNetwork.create();
        net.startPeerServers(PEER);
        datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()));
        assertEquals(List.of(), datapath.apply(table()).errors());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLast) c.close();
        if (datapath != null) datapath.close();
        if (pins != null) BpfDatapath.cleanup(pins);
        if (net != null) net.close();
        if (cgroup != null) cgroup.close();
    }

    private static LbTable table() throws Exception {
        String yaml = new String(Objects.requireNonNull(TraceKernelIT.class.getResourceAsStream("/socketlb-cluster.yaml")).readAllBytes(),
                StandardCharsets.UTF_8);
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "test");
        ClusterState state = DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems()));
        return new ServiceTranslator("node-a").translate(state);
    }

    private List<String> client(String proto, int count, String addr, int port) throws Exception {
        return net.peerClient(cgroup.path(), PEER, proto, count, addr, port);
    }

    /** Polls until {@code done} holds for what was collected, for at most 5 s. */
    private static List<TraceEvent> collect(Tracer tracer, Predicate<List<TraceEvent>> done) {
        List<TraceEvent> events = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end && !done.test(events)) tracer.poll(Duration.ofMillis(100), events::add);
        return events;
    }

    private static long count(List<TraceEvent> events, TraceHook hook, TraceOutcome outcome, String vip) {
        return events.stream().filter(e -> e.hook() == hook && e.outcome() == outcome && e.vipText().equals(vip)).count();
    }

    @Test
    void every_translation_is_reported_with_who_where_and_what_happened() throws Exception {
        Tracer tracer = Tracer.start(pins, true);
        closeLast.add(tracer);
        long cgroupId = dev.kpf.probes.bpf.Cgroup2Mount.idOf(cgroup.path());

        client("tcp", 5, "10.96.100.1", 80);          // connect + getpeername
        client("tcp", 2, "fd00:96::100", 80);         // IPv6
        client("udp", 3, "10.96.100.2", 53);          // unconnected UDP: sendmsg + recvmsg
        assertEquals(List.of("err " + SocketLbKernelIT.REFUSED), client("tcp", 1, "10.96.100.3", 80));
        client("tcp", 3, "10.96.100.4", 80);          // ClientIP affinity: one pick, then hits
        client("tcp", 1, "10.203.0.2", 8080);         // a backend directly: no frontend

        List<TraceEvent> events = collect(tracer, ev -> count(ev, TraceHook.CONNECT, TraceOutcome.NOT_SERVICE, "10.203.0.2:8080") >= 1);
        String all = String.join("\n", events.stream().map(TraceEvent::toString).toList());

        assertEquals(5, count(events, TraceHook.CONNECT, TraceOutcome.TRANSLATED, "10.96.100.1:80"), all);
        TraceEvent connect = events.stream().filter(e -> e.hook() == TraceHook.CONNECT && e.vipText().equals("10.96.100.1:80")).findFirst().orElseThrow();
        assertEquals("kpf_peer", connect.comm());
        assertTrue(connect.pid() > 0);
        assertEquals(cgroupId, connect.cgroupId(), "the client's cgroup");
        assertTrue(connect.netnsCookie() != 0 && connect.socketCookie() != 0, connect.toString());
        assertEquals("TCP", connect.protocolName());
        assertTrue(connect.backendText().matches("10\\.203\\.0\\.[234]:8080"), connect.backendText());
        assertTrue(connect.backendId() > 0 && connect.revNatId() > 0, connect.toString());
        assertTrue(Math.abs(Duration.between(connect.time(), java.time.Instant.now()).toSeconds()) < 30, "wall time: " + connect.time());

        assertTrue(count(events, TraceHook.GETPEERNAME, TraceOutcome.TRANSLATED, "10.96.100.1:80") >= 5, "getpeername shows the VIP:\n" + all);
        assertEquals(2, count(events, TraceHook.CONNECT, TraceOutcome.TRANSLATED, "[fd00:96::100]:80"), all);
        assertEquals(3, count(events, TraceHook.SENDMSG, TraceOutcome.TRANSLATED, "10.96.100.2:53"), all);
        assertEquals(3, count(events, TraceHook.RECVMSG, TraceOutcome.TRANSLATED, "10.96.100.2:53"), "replies shown as the VIP:\n" + all);
        assertEquals(1, count(events, TraceHook.CONNECT, TraceOutcome.REFUSED, "10.96.100.3:80"), all);
        assertEquals(1, count(events, TraceHook.CONNECT, TraceOutcome.TRANSLATED, "10.96.100.4:80"), all);
        assertEquals(2, count(events, TraceHook.CONNECT, TraceOutcome.AFFINITY_HIT, "10.96.100.4:80"), all);
        assertEquals(1, count(events, TraceHook.CONNECT, TraceOutcome.NOT_SERVICE, "10.203.0.2:8080"), all);

        // names and filters
        TraceNames names = new TraceNames(datapath.readBack());
        assertEquals("t/web:http", names.service(connect).orElseThrow());
        assertEquals(2 * (5 + 2), events.stream().filter(e -> TraceFilter.ALL.withService("t/web").matches(e, names)).count(),
                "connects and getpeernames of t/web, IPv4 and IPv6:\n" + all);
        assertEquals(6, events.stream().filter(e -> TraceFilter.ALL.withVip("10.96.100.2:53").matches(e, names)).count());
        assertEquals(0, events.stream().filter(e -> TraceFilter.ALL.withVip("10.96.100.2:54").matches(e, names)).count());
        String someBackend = connect.backend().orElseThrow().getHostAddress();
        assertTrue(events.stream().filter(e -> TraceFilter.ALL.withBackend(someBackend).matches(e, names)).allMatch(
                e -> e.backend().orElseThrow().getHostAddress().equals(someBackend)));
        assertEquals(events.stream().filter(e -> e.pid() == connect.pid()).count(),
                events.stream().filter(e -> TraceFilter.ALL.withPid(connect.pid()).matches(e, names)).count());
        assertTrue(events.stream().filter(e -> TraceFilter.ALL.withPid(connect.pid()).matches(e, names)).count() >= 2,
                "one client process made a connect and a getpeername");
    }

    @Test
    void nothing_is_written_while_tracing_is_off_and_the_last_tracer_turns_it_off() throws Exception {
        try (TraceControl control = TraceControl.open(pins);
             BpfMap<Integer, Integer> rings = BpfMap.openPinned(pins.path(MapLayout.TRACE_RINGS), MapCodec.u32(), MapCodec.u32());
             BpfRingBuffer idle = BpfRingBuffer.create("kpf_test_idle", 256 * 1024)) {
            assertFalse(control.on());
            // a ring in slot 7 whose bit is not set: the programs must not write to it
            rings.update(7, idle.fd());
            try {
                client("tcp", 20, "10.96.100.1", 80);
                assertEquals(0, idle.poll(Duration.ofMillis(300), s -> {}), "tracing is off: no events");
            } finally {
                rings.delete(7);
            }

            Tracer a = Tracer.start(pins), b = Tracer.start(pins);
            assertEquals(2, control.tracers());
            b.close();
            assertTrue(control.on(), "one tracer is left");
            client("tcp", 1, "10.203.0.2", 8080); // no Service: not written, as no tracer asked for such events
            client("tcp", 3, "10.96.100.1", 80);
            List<TraceEvent> seen = collect(a, ev -> count(ev, TraceHook.CONNECT, TraceOutcome.TRANSLATED, "10.96.100.1:80") >= 3);
            assertEquals(3, count(seen, TraceHook.CONNECT, TraceOutcome.TRANSLATED, "10.96.100.1:80"));
            assertEquals(0, seen.stream().filter(e -> e.outcome() == TraceOutcome.NOT_SERVICE).count(), seen.toString());
            a.close();
            assertFalse(control.on(), "the last tracer turned tracing off");
        }
    }

    @Test
    void a_tracer_that_falls_behind_is_told_how_many_events_were_lost() throws Exception {
        try (Tracer tracer = Tracer.start(pins)) {
            client("tcp", 3000, "10.96.100.1", 80); // a connect and a getpeername each: 6,000 events, the ring holds about 2,300
            long[] read = {0};
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < end && tracer.poll(Duration.ofMillis(100), e -> read[0]++) > 0) {
                // drain what the ring kept
            }
            long lost = tracer.lost();
            assertTrue(lost > 0, "nothing was read while the client ran, so the ring overflowed");
            assertEquals(6000, read[0] + lost, "every event was either read or counted as lost: read " + read[0] + ", lost " + lost);
        }
    }

    /**
     * The programs wake a waiting tracer only once a quarter of its ring waits to be read: a few events wait for the
     * end of the tracer's wait (and are read then), many end it early. A program that woke the tracer for every
     * event would end the first wait early; one that never woke it would keep the second to its end (and lose events
     * on a busy node).
     */
    @Test
    void the_tracer_is_woken_once_a_quarter_of_its_ring_waits_and_reads_the_rest_when_its_wait_ends() throws Exception {
        try (Tracer tracer = Tracer.start(pins)) {
            long[] few = timedPoll(tracer, Duration.ofSeconds(4), () -> client("tcp", 5, "10.96.100.1", 80));
            assertEquals(10, few[1], "a connect and a getpeername each, all read when the wait ended");
            assertTrue(few[0] >= 3_000, "5 connects did not end the 4 s wait (it took " + few[0] + " ms)");
            // a connect and a getpeername each: about 800 events, a third of the ring
            long[] many = timedPoll(tracer, Duration.ofSeconds(30), () -> client("tcp", 400, "10.96.100.1", 80));
            assertTrue(many[0] < 20_000, "a quarter of the ring ended the 30 s wait (it took " + many[0] + " ms)");
            assertTrue(many[1] > 0);
            assertEquals(0, tracer.lost());
        }
    }

    /** Polls on a thread of its own while {@code traffic} runs a second after the poll began: {ms the poll took, events read}. */
    private static long[] timedPoll(Tracer tracer, Duration timeout, Measured traffic) throws Exception {
        long[] result = new long[2];
        Thread poller = Thread.ofPlatform().start(() -> {
            long t = System.nanoTime();
            result[1] = tracer.poll(timeout, e -> { });
            result[0] = (System.nanoTime() - t) / 1_000_000;
        });
        Thread.sleep(1000); // the poll is waiting by now
        traffic.run();
        poller.join(timeout.toMillis() + 10_000);
        assertFalse(poller.isAlive(), "the poll returned");
        return result;
    }

    private interface Measured {
        void run() throws Exception;
    }

    /** A crashed JVM's problematic frame and signal, first: the kernel matrix's table keeps a failure's first 300 characters. */
    private static String crashedAt(CharSequence output) {
        List<String> lines = output.toString().lines().toList();
        int frame = lines.indexOf("# Problematic frame:");
        if (frame < 0 || frame + 1 >= lines.size()) return "";
        String signal = lines.stream().filter(l -> l.matches("#\\s+SIG\\w+ .*")).findFirst().orElse("").replaceFirst("^#\\s+", "");
        return "; crashed in " + lines.get(frame + 1).replaceFirst("^#\\s+", "") + " (" + signal + ")";
    }

    @Test
    void a_killed_tracer_is_swept_and_tracing_turns_off() throws Exception {
        // in a pid namespace of its own, as a tracer on the node is to an agent in a pod: its pid means nothing here
        KernelRequirement.requireCommand("unshare");
        // a small heap: in the kernel matrix's 3 GB guest a second JVM with the default heap once failed to start
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--kill-child"));
        cmd.addAll(ChildJvm.command(List.of("-Xmx96m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"), TracerMain.class, pins.root().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        closeLast.add(p::destroyForcibly);
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        // its first line says it traces; anything before it (a JVM's complaint) goes into the failure message
        StringBuilder before = new StringBuilder();
        String line = in.readLine();
        for (int i = 0; i < 50 && line != null && !line.startsWith("tracing slot="); i++) {
            before.append(line).append('\n');
            line = in.readLine();
        }
        assertTrue(line != null && line.startsWith("tracing slot="), "the tracer started: " + line + crashedAt(before) + "; before it:\n" + before);
        try (TraceControl control = TraceControl.open(pins)) {
            assertTrue(control.on());
            assertEquals(0, control.sweep(), "a live tracer is not swept, whatever pid namespace it runs in");
            p.destroyForcibly(); // SIGKILL to unshare, and by --kill-child to the tracer: no chance to clean up
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (control.on() && control.sweep() == 0 && System.nanoTime() < end) Thread.sleep(50); // until the child is gone too
            assertFalse(control.on(), "tracing is off again");
        }
    }
}
