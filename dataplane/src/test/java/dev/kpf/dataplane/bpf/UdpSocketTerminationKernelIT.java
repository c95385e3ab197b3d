package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend that leaves is let go as kube-proxy does (issue 14): a connected UDP socket that kpf translated to it is
 * destroyed (kernel 6.5+: the application's next send fails, EDESTADDRREQ, or its next receive, ECONNABORTED), and
 * connecting again reaches a current backend; UDP sockets of frontends
 * whose backends stayed, and TCP connections, keep going. Real sockets in a cgroup and namespace of the test.
 */
class UdpSocketTerminationKernelIT {
    private SocketLbTestbed bed;
    private Process holder;

    @BeforeEach
    void setUp() throws Exception {
        bed = SocketLbTestbed.create("udpgone");
    }

    @AfterEach
    void tearDown() {
        if (holder != null) holder.destroyForcibly();
        if (bed != null) bed.close();
    }

    /** One line of the holder per socket, after asking it to use each once more. */
    private static List<String> use(Writer to, BufferedReader from) throws Exception {
        to.write("go\n");
        to.flush();
        List<String> out = new ArrayList<>();
        String line;
        while ((line = from.readLine()) != null && !line.equals("end")) out.add(line);
        return out;
    }

    /** bpf_sock_destroy is a kfunc of kernel 6.5; older kernels keep such sockets until they close (the datapath says so). */
    static void assumeSockDestroy() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kpf.probes.KernelRequirement.kernelAtLeast(6, 5), "bpf_sock_destroy needs kernel 6.5");
    }

    @Test
    void a_connected_udp_socket_to_a_backend_that_left_is_destroyed_and_the_rest_keep_going() throws Exception {
        assumeSockDestroy();
        BpfDatapath datapath = bed.datapath;
        assertEquals("", datapath.udpTermination(), "this kernel lets sockets go");
        LbEntry dns = TestTables.entry("dns", "10.96.100.2", 53, Protocol.UDP, 0, 8053, "10.203.0.2");
        LbEntry other = TestTables.entry("other", "10.96.100.5", 53, Protocol.UDP, 0, 8053, "10.203.0.3");
        LbEntry web = TestTables.entry("web", "10.96.100.1", 80, Protocol.TCP, 0, 8080, "10.203.0.2");
        LbEntry dns6 = TestTables.entry("dns6", "fd00:96::53", 53, Protocol.UDP, 0, 8053, "fd00:203::2");
        assertEquals(List.of(), datapath.apply(TestTables.table(dns, other, web, dns6)).errors());

        List<String> cmd = new ArrayList<>(bed.inClient());
        cmd.addAll(ChildJvm.command(List.of(), SocketHolder.class,
                "udp:10.96.100.2:53", "udp:10.96.100.5:53", "tcp:10.96.100.1:80", "udp:fd00:96::53:53"));
        holder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Writer to = new java.io.OutputStreamWriter(holder.getOutputStream(), StandardCharsets.US_ASCII);
        BufferedReader from = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("connected", from.readLine());
        // (Java's sockets are IPv6 sockets: IPv4 frontends are reached as ::ffff:a.b.c.d, which the iterator reads as IPv4)
        List<String> before = use(to, from);
        assertEquals(List.of("ok 10.203.0.2:8053", "ok 10.203.0.3:8053", "ok 10.203.0.2:8080"), before.subList(0, 3), "each socket reaches its backend");
        assertEquals("fd00:203::2", before.get(3).substring(3, before.get(3).lastIndexOf(':')).replace("[", "").replace("]", ""), before.toString());

        // dns's backend is replaced; web keeps the same pod, other is untouched
        LbEntry dnsMoved = TestTables.entry("dns", "10.96.100.2", 53, Protocol.UDP, 0, 8053, "10.203.0.4");
        LbEntry dns6Moved = TestTables.entry("dns6", "fd00:96::53", 53, Protocol.UDP, 0, 8053, "fd00:203::4");
        assertEquals(List.of(), datapath.apply(TestTables.table(dnsMoved, other, web, dns6Moved)).errors());
        List<String> after = use(to, from);
        // destroyed: disconnected with ECONNABORTED pending, so the next send fails with EDESTADDRREQ (a receive would
        // fail with ECONNABORTED); either way the application learns it and connects again
        assertTrue(List.of("err EDESTADDRREQ", "err ECONNABORTED").contains(after.get(0)), "the socket to the backend that left is let go: " + after);
        assertEquals("ok 10.203.0.3:8053", after.get(1), "a socket whose backend stayed keeps it: " + after);
        assertTrue(after.get(2).startsWith("ok "), "TCP connections are left to the application: " + after);
        assertTrue(List.of("err EDESTADDRREQ", "err ECONNABORTED").contains(after.get(3)), "IPv6 the same: " + after);
        assertEquals(List.of("ok 10.203.0.4:8053 from=10.203.0.1"), bed.client("udpc", 1, "10.96.100.2", 53).stream()
                .map(l -> l.split(" peer=")[0].replaceAll(":\\d+$", "")).toList(), "connecting again reaches the current backend");
        to.close();
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
    }

    /** The same for a plain IPv4 socket (AF_INET, as C programs open them), which the iterator reads without mapping. */
    @Test
    void a_connected_ipv4_socket_is_let_go_the_same() throws Exception {
        assumeSockDestroy();
        BpfDatapath datapath = bed.datapath;
        assertEquals(List.of(), datapath.apply(TestTables.table(TestTables.entry("dns", "10.96.100.2", 53, Protocol.UDP, 0, 8053, "10.203.0.2"))).errors());
        List<String> cmd = new ArrayList<>(bed.inClient());
        cmd.addAll(List.of(SocketLbTestbed.PEER.toString(), "hold", "udp", "10.96.100.2", "53"));
        holder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Writer to = new java.io.OutputStreamWriter(holder.getOutputStream(), StandardCharsets.US_ASCII);
        BufferedReader from = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("ok 10.203.0.2:8053", from.readLine(), "the socket reaches its backend");
        assertEquals(List.of(), datapath.apply(TestTables.table(TestTables.entry("dns", "10.96.100.2", 53, Protocol.UDP, 0, 8053, "10.203.0.3"))).errors());
        to.write("again\n");
        to.flush();
        String after = from.readLine();
        assertTrue(List.of("err EDESTADDRREQ", "err ECONNABORTED").contains(after), "let go: " + after);
        to.close();
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
    }
}
