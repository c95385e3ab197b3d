package dev.kpf.dataplane.bpf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * client -- node -- backends, as namespaces a test makes: "client" (10.110.0.2 and fd00:110::2, no default route;
 * only the ExternalIP/LoadBalancer ranges 198.51.100.0/24 and 2001:db8:30::/64 are routed, via the node), "node" (10.110.0.1 towards the client,
 * 10.111.0.1 and 10.112.0.1 towards the backends, forwarding on) and two backends (10.111.0.2 and 10.112.0.2, with
 * a route back to the client network only). Removed on close with their veth pairs and processes.
 */
final class TcTopology implements AutoCloseable {
    static final String NODE_IP = "10.110.0.1", CLIENT_IP = "10.110.0.2", BACKEND1 = "10.111.0.2", BACKEND2 = "10.112.0.2";
    static final String NODE_IP6 = "fd00:110::1", CLIENT_IP6 = "fd00:110::2", BACKEND1_6 = "fd00:111::2", BACKEND2_6 = "fd00:112::2";
    final String client, node, backend1, backend2;
    /** The node's interfaces, as the tc programs attach to them. */
    final List<String> nodeDevices;
    private final List<Process> processes = new ArrayList<>();

    private TcTopology(String prefix, String tag) {
        client = prefix + "c";
        node = prefix + "n";
        backend1 = prefix + "b1";
        backend2 = prefix + "b2";
        nodeDevices = List.of("nc" + tag, "n1" + tag, "n2" + tag);
    }

    static TcTopology create() throws Exception {
        String tag = Long.toString(ProcessHandle.current().pid());
        TcTopology t = new TcTopology("kpft" + tag + "t", tag);
        try {
            for (String ns : List.of(t.client, t.node, t.backend1, t.backend2)) {
                run("ip", "netns", "add", ns);
                run("ip", "-n", ns, "link", "set", "lo", "up");
                // no duplicate address detection on the interfaces made next: their link-local addresses, which
                // neighbour discovery uses, would stay tentative for about 1.5 s and the first IPv6 packets be lost
                run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
            }
            t.link(t.client, "cx" + tag, CLIENT_IP + "/24", t.nodeDevices.get(0), NODE_IP + "/24");
            t.link(t.backend1, "b1" + tag, BACKEND1 + "/24", t.nodeDevices.get(1), "10.111.0.1/24");
            t.link(t.backend2, "b2" + tag, BACKEND2 + "/24", t.nodeDevices.get(2), "10.112.0.1/24");
            t.address6(t.client, "cx" + tag, CLIENT_IP6, t.nodeDevices.get(0), NODE_IP6);
            t.address6(t.backend1, "b1" + tag, BACKEND1_6, t.nodeDevices.get(1), "fd00:111::1");
            t.address6(t.backend2, "b2" + tag, BACKEND2_6, t.nodeDevices.get(2), "fd00:112::1");
            run("ip", "netns", "exec", t.node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            run("ip", "netns", "exec", t.node, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            run("ip", "-n", t.backend1, "-6", "route", "add", "fd00:110::/64", "via", "fd00:111::1");
            run("ip", "-n", t.backend2, "-6", "route", "add", "fd00:110::/64", "via", "fd00:112::1");
            run("ip", "-n", t.client, "route", "add", "198.51.100.0/24", "via", NODE_IP);
            run("ip", "-n", t.client, "-6", "route", "add", "2001:db8:30::/64", "via", NODE_IP6);
            run("ip", "-n", t.backend1, "route", "add", "10.110.0.0/24", "via", "10.111.0.1");
            run("ip", "-n", t.backend2, "route", "add", "10.110.0.0/24", "via", "10.112.0.1");
            return t;
        } catch (Exception e) {
            t.close();
            throw e;
        }
    }

    private void link(String ns, String dev, String addr, String nodeDev, String nodeAddr) throws Exception {
        run("ip", "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", nodeDev, "netns", node);
        run("ip", "-n", ns, "addr", "add", addr, "dev", dev);
        run("ip", "-n", node, "addr", "add", nodeAddr, "dev", nodeDev);
        run("ip", "-n", ns, "link", "set", dev, "up");
        run("ip", "-n", node, "link", "set", nodeDev, "up");
    }

    /** IPv6 on an existing link: both ends in /64s, without duplicate address detection (so they work at once). */
    private void address6(String ns, String dev, String addr, String nodeDev, String nodeAddr) throws Exception {
        run("ip", "-n", ns, "addr", "add", addr + "/64", "dev", dev, "nodad");
        run("ip", "-n", node, "addr", "add", nodeAddr + "/64", "dev", nodeDev, "nodad");
    }

    Path nodeNamespace() {
        return Path.of("/run/netns", node);
    }

    /** Starts {@code command} inside {@code ns} and waits for its "ready" line. */
    void start(String ns, List<String> command) throws Exception {
        TestNetwork.startReady(ns, command, processes);
    }

    @Override
    public void close() {
        for (Process p : processes) p.destroyForcibly();
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : List.of(client, node, backend1, backend2)) {
            try {
                run("ip", "netns", "del", ns);
            } catch (Exception ignored) {
                // not created
            }
        }
    }

    static String run(String... cmd) throws Exception {
        return TestNetwork.runFor(60, cmd);
    }
}
