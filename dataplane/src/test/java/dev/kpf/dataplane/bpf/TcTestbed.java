package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tc datapath's kernel tests' world: {@link TcTopology} with TCP (8080, both families) and UDP (8053, both
 * families) servers in both backends, a cgroup, a pin directory, and the client's view of what answered.
 */
final class TcTestbed implements AutoCloseable {
    static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();
    /** The node address and a port of kpf's SNAT range (1024-32767). */
    static final String SNAT = "10\\.110\\.0\\.1:([2-9]\\d{3}|[12]\\d{4}|3[01]\\d{3}|32[0-6]\\d{2}|327[0-6]\\d|1[0-9]{3})";

    final TcTopology net;
    final TemporaryCgroup cgroup;
    final PinDirectory pins;

    private TcTestbed(TcTopology net, TemporaryCgroup cgroup, PinDirectory pins) {
        this.net = net;
        this.cgroup = cgroup;
        this.pins = pins;
    }

    static TcTestbed create(String name) throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("ip");
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-" + name + "-" + ProcessHandle.current().pid()));
        TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-" + name + "-" + ProcessHandle.current().pid());
        TcTopology net = null;
        try {
            net = TcTopology.create();
            for (String[] b : new String[][] {{net.backend1, TcTopology.BACKEND1, TcTopology.BACKEND1_6}, {net.backend2, TcTopology.BACKEND2, TcTopology.BACKEND2_6}}) {
                net.start(b[0], List.of(PEER.toString(), "serve", "tcp", "300", b[1], "8080", b[2], "8080"));
                net.start(b[0], List.of(PEER.toString(), "serve", "udp", "300", b[1], "8053", b[2], "8053"));
            }
            return new TcTestbed(net, cgroup, pins);
        } catch (Exception | Error e) {
            if (net != null) net.close();
            cgroup.close();
            throw e;
        }
    }

    /** Whether this kernel has tcx links, decided as the agent decides it (from the kernel's BTF). */
    static boolean tcx() {
        return dev.kpf.probes.probe.LiveKernelFeatures.tcxLinks().orElseGet(() -> KernelRequirement.kernelAtLeast(6, 6));
    }

    /** All three node interfaces as devices, SNAT to the node's addresses, kpf's default conntrack settings. */
    BpfDatapath.Options options() throws Exception {
        return options(net.nodeDevices.stream().map(d -> new Device(net.nodeNamespace(), d)).toList(), Map.of());
    }

    /** These devices and map capacities, SNAT to the node's addresses, tcx or clsact as the kernel allows. */
    BpfDatapath.Options options(List<Device> devices, Map<String, Integer> capacities) throws Exception {
        return new BpfDatapath.Options(pins, cgroup.path(), capacities, devices, InetAddress.getByName(TcTopology.NODE_IP), false,
                InetAddress.getByName(TcTopology.NODE_IP6), dev.kpf.dataplane.lb.Maglev.M, !tcx());
    }

    /** tc-cluster.yaml, translated for node-a. */
    static LbTable table() throws Exception {
        String yaml = new String(Objects.requireNonNull(TcTestbed.class.getResourceAsStream("/tc-cluster.yaml")).readAllBytes(), StandardCharsets.UTF_8);
        YamlDocuments.Parsed parsed = YamlDocuments.parse(yaml, "tc-cluster.yaml");
        LbTable t = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems())));
        assertEquals(List.of(), t.problems());
        return t;
    }

    /** COUNT attempts from the client namespace; each line "ok SERVER from=CLIENT-AS-SEEN peer=PEER" or "err ERRNO". */
    List<String> client(String proto, int count, String addr, int port) throws Exception {
        String out = TcTopology.run("ip", "netns", "exec", net.client, PEER.toString(), "connect", proto, Integer.toString(count), addr, Integer.toString(port));
        List<String> lines = out.lines().toList();
        assertEquals(count, lines.size(), out);
        return lines;
    }

    /** server -> count, with every line required to be ok, show {@code peer}, and a client source matching {@code from}. */
    static Map<String, Integer> answers(List<String> lines, String peer, String fromRegex) {
        Map<String, Integer> counts = new HashMap<>();
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) if (!lines.get(i).startsWith("ok ")) failed.add(i);
        assertTrue(failed.isEmpty(), () -> "connection failed: " + lines.get(failed.getFirst()) + " (" + failed.size() + " of " + lines.size()
                + " attempts to " + peer + " failed, the first at #" + failed.getFirst() + ": " + failed.subList(0, Math.min(20, failed.size())) + ")");
        for (String l : lines) {
            String[] f = l.split(" ");
            assertEquals("peer=" + peer, f[3], l);
            assertTrue(f[2].matches("from=" + fromRegex), "the backend saw the client as " + f[2] + ": " + l);
            counts.merge(f[1], 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Client load in the background until {@link Load#stop}: batches of 500 connections to ADDR:PORT from the client
     * namespace, one after the other, so the load spans whatever the test does meanwhile however fast the machine is.
     */
    Load load(String addr, int port) {
        Load load = new Load(new java.util.concurrent.atomic.AtomicBoolean(), java.util.Collections.synchronizedList(new ArrayList<>()),
                new java.util.concurrent.atomic.AtomicInteger());
        load.thread[0] = Thread.ofPlatform().daemon().name("kpf-test-load").start(() -> {
            while (!load.stopped().get()) {
                try {
                    load.lines().addAll(client("tcp", 500, addr, port));
                    load.batches().incrementAndGet();
                } catch (Throwable e) {
                    load.lines().add("err load: " + e);
                    return;
                }
            }
        });
        return load;
    }

    /** A running client load; the lines of every connection it made ("ok ..." or "err ..."). */
    record Load(java.util.concurrent.atomic.AtomicBoolean stopped, List<String> lines, java.util.concurrent.atomic.AtomicInteger batches, Thread[] thread) {
        Load(java.util.concurrent.atomic.AtomicBoolean stopped, List<String> lines, java.util.concurrent.atomic.AtomicInteger batches) {
            this(stopped, lines, batches, new Thread[1]);
        }

        boolean running() {
            return thread[0].isAlive();
        }

        /** Stops after the batch under way (bounded) and returns every connection's line. */
        List<String> stop() throws InterruptedException {
            stopped.set(true);
            thread[0].join(120_000);
            assertTrue(!thread[0].isAlive(), "the client load did not stop within 120 s");
            return List.copyOf(lines);
        }

        /** The lines that are not "ok", with how many there are. */
        static String failures(List<String> lines) {
            List<String> bad = lines.stream().filter(l -> !l.startsWith("ok ")).toList();
            return bad.isEmpty() ? "" : bad.size() + " of " + lines.size() + " failed, e.g. " + bad.subList(0, Math.min(5, bad.size()));
        }
    }

    @Override
    public void close() {
        BpfDatapath.cleanup(pins);
        net.close();
        cgroup.close();
    }
}
