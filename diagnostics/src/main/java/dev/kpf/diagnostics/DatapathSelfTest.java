package dev.kpf.diagnostics;

import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.dataplane.bpf.SelfTestFrontend;
import dev.kpf.dataplane.trace.TraceEvent;
import dev.kpf.dataplane.trace.TraceLines;
import dev.kpf.dataplane.trace.TraceNames;
import dev.kpf.dataplane.trace.Tracer;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.bpf.DirectoryLock;
import dev.kpf.probes.bpf.NetNamespace;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.probes.probe.ProbeStatus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code datapath.selftest}: "is kube-proxy replacement active here?" answered with a real connection. In a
 * throwaway network namespace (no routes) and a throwaway cgroup below the one kpf's programs are attached to, a
 * client connects to a reserved test frontend ({@link SelfTestFrontend}) whose only backend is a listener the check
 * starts on that namespace's loopback. The connection can only arrive if the live programs translated it; a tracer
 * records the translation as evidence. Everything is removed afterwards, also on failure or timeout.
 */
public final class DatapathSelfTest {
    public static final String ID = "datapath.selftest";
    private static final String AREA = "datapath";
    private static final String EXPECTED = "a connect to a Service address is translated by kpf's programs on this node";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    private static final String PREFIX = "kpf-selftest-";

    private DatapathSelfTest() {}

    public static CheckResult run(PinDirectory pins) {
        if (!Files.exists(pins.path(MapLayout.SVC4))) {
            return fail("no kpf maps are pinned under " + pins.root() + ": kube-proxy replacement is not active on this node",
                    "start the agent (the kpf DaemonSet, or kpf agent), or pass its --bpffs directory");
        }
        Path link = pins.path(MapLayout.LINKS + "/connect4");
        if (!Files.exists(link)) {
            return fail("kpf's maps are pinned under " + pins.root() + " but no connect4 program is attached (no link at " + link
                    + "): Service addresses are not translated", "start the agent, which attaches the programs (kpf agent)");
        }
        long cgroupId;
        try (BpfLink l = BpfLink.openPinned(link)) {
            cgroupId = l.cgroupId();
        } catch (BpfException e) {
            return unknown("cannot read the connect4 link: " + e.getMessage());
        }
        if (cgroupId == 0) {
            return fail("the connect4 link at " + link + " is detached: Service addresses are not translated",
                    "restart the agent (it attaches the programs again), or remove the stale pins with kpf agent --cleanup first");
        }
        Optional<Path> attached = Cgroup2Mount.findById(cgroupId);
        Optional<Path> mount = Cgroup2Mount.find();
        if (attached.isEmpty() || mount.isEmpty()) return unknown("the cgroup the programs are attached to (id " + cgroupId + ") was not found");
        // one self-test at a time per pin directory: a second would take the first one's test frontend for a leftover
        Optional<DirectoryLock> alone;
        try {
            Path lockDir = pins.path(dev.kpf.dataplane.bpf.OwnPins.SELFTEST_LOCK);
            Files.createDirectories(lockDir);
            alone = DirectoryLock.tryExclusive(lockDir);
        } catch (IOException | RuntimeException e) {
            return unknown("cannot take the self-test lock under " + pins.root() + ": " + e.getMessage());
        }
        if (alone.isEmpty()) return unknown("another datapath self-test is running on this node; run the doctor again when it is done");
        try (DirectoryLock held = alone.get()) {
            removeLeftovers(attached.get());
            return new Run(pins, mount.get().relativize(attached.get())).call();
        } catch (IOException | RuntimeException e) {
            return unknown("the self-test could not run: " + e.getMessage());
        }
    }

    /** What a self-test that was killed left behind: its namespace and its cgroup (no self-test runs now). */
    private static void removeLeftovers(Path attachedCgroup) throws IOException {
        NodeCommands ip = new NodeCommands(List.of(), Duration.ofSeconds(10));
        try (var netns = Files.list(Path.of("/run/netns"))) {
            for (Path ns : netns.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList()) {
                ip.run(List.of("ip", "netns", "del", ns.getFileName().toString()));
            }
        } catch (java.nio.file.NoSuchFileException none) {
            // no namespaces at all
        }
        try (var cgroups = Files.list(attachedCgroup)) {
            for (Path cg : cgroups.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p)).toList()) {
                Files.deleteIfExists(cg); // empty once its processes are gone
            }
        }
    }

    /** One self-test with everything it creates, removed in reverse order. */
    private record Run(PinDirectory pins, Path cgroupBelowMount) {
        CheckResult call() throws IOException {
            String tag = PREFIX + ProcessHandle.current().pid();
            NodeCommands ip = new NodeCommands(List.of(), Duration.ofSeconds(10));
            SelfTestFrontend.removeLeftovers(pins);
            ip.run(List.of("ip", "netns", "add", tag));
            try (TemporaryCgroup cgroup = TemporaryCgroup.create(cgroupBelowMount.resolve(tag).toString())) {
                ip.run(List.of("ip", "-n", tag, "link", "set", "lo", "up"));
                Path netns = Path.of("/run/netns", tag);
                String token = "kpf-selftest " + UUID.randomUUID();
                try (ServerSocketChannel server = NetNamespace.call(netns, () -> {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    return s;
                })) {
                    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                    Thread backend = Thread.ofPlatform().daemon().name("kpf-selftest-backend").start(() -> answer(server, token));
                    try (SelfTestFrontend frontend = SelfTestFrontend.install(pins, port); OptionalTracer tracer = OptionalTracer.start(pins)) {
                        NodeCommands.Output client = client(ip, cgroup.path(), netns);
                        Optional<TraceEvent> evidence = tracer.tracer() == null ? Optional.empty() : evidence(tracer.tracer());
                        String target = SelfTestFrontend.ADDRESS_TEXT + ":" + SelfTestFrontend.PORT;
                        String where = " (namespace " + tag + ", cgroup " + cgroup.path() + ")";
                        if (client.out().strip().equals(token)) {
                            return CheckResult.of(ID, AREA, ProbeStatus.PASS, "a connect to the test frontend " + target + where
                                    + " was translated by the live programs to its backend 127.0.0.1:" + port + " and answered; trace: "
                                    + evidence.map(e -> TraceLines.text(e, TraceNames.NONE)).orElse("(no trace event: " + tracer.why() + ")"), EXPECTED, "");
                        }
                        String said = client.err().strip().isEmpty() ? "exit " + client.exit() : client.err().strip().lines().reduce((a, b) -> b).orElse("");
                        return fail("a connect to the test frontend " + target + where + " was not answered by its backend (" + said + "); "
                                + evidence.map(e -> "the programs saw it: " + TraceLines.text(e, TraceNames.NONE))
                                .orElse(tracer.tracer() == null ? "not traced: " + tracer.why()
                                        : "the programs did not see it: they are not active for processes in " + cgroup.path().getParent()),
                                "check that the agent is running and attached (kpf doctor --only agent.health), then kpf agent logs");
                    } finally {
                        server.close();
                        joinQuietly(backend);
                    }
                }
            } catch (DatapathException | BpfException e) {
                return unknown(e.getMessage());
            } finally {
                try {
                    ip.run(List.of("ip", "netns", "del", tag));
                } catch (IOException ignored) {
                    // the next self-test removes it
                }
            }
        }

        /** bash, moved into the cgroup first and then into the namespace, connects and prints the first line it gets. */
        private NodeCommands.Output client(NodeCommands ip, Path cgroup, Path netns) throws IOException {
            String script = "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec nsenter --net=" + netns + " timeout "
                    + CLIENT_TIMEOUT.toSeconds() + " bash -c 'exec 3<>/dev/tcp/" + SelfTestFrontend.ADDRESS_TEXT + "/" + SelfTestFrontend.PORT
                    + " && head -n 1 <&3'";
            return ip.capture(List.of("bash", "-c", script));
        }

        private static Optional<TraceEvent> evidence(Tracer tracer) {
            TraceEvent[] found = {null};
            long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (found[0] == null && System.nanoTime() < end) {
                tracer.poll(Duration.ofMillis(100), e -> {
                    if (found[0] == null && e.vip().equals(SelfTestFrontend.ADDRESS) && e.vipPort() == SelfTestFrontend.PORT) found[0] = e;
                });
            }
            return Optional.ofNullable(found[0]);
        }
    }

    /** The evidence is welcome but not required: with every trace slot taken the connect still decides. */
    private record OptionalTracer(Tracer tracer, String why) implements AutoCloseable {
        static OptionalTracer start(PinDirectory pins) {
            try {
                return new OptionalTracer(Tracer.start(pins), "none arrived within 1 s");
            } catch (RuntimeException e) {
                return new OptionalTracer(null, e.getMessage());
            }
        }

        @Override
        public void close() {
            if (tracer != null) tracer.close();
        }
    }

    private static void answer(ServerSocketChannel server, String token) {
        try (SocketChannel c = server.accept()) {
            c.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException closed) {
            // the check is over
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CheckResult fail(String observed, String remedy) {
        return CheckResult.of(ID, AREA, ProbeStatus.FAIL, observed, EXPECTED, remedy);
    }

    private static CheckResult unknown(String why) {
        return Doctor.unknown(ID, AREA, why);
    }
}
