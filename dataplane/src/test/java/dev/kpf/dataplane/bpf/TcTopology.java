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
    /** Namespaces added after creation ({@link #addFarClient}). */
    private final List<String> extra = new ArrayList<>();
    private final String tag;

    private TcTopology(String prefix, String tag) {
        client = prefix + "c";
        node = prefix + "n";
        backend1 = prefix + "b1";
        backend2 = prefix + "b2";
        nodeDevices = List.of("nc" + tag, "n1" + tag, "n2" + tag);
        this.tag = tag;
    }

    static final String FAR_CLIENT_IP = "10.114.0.2", FAR_CLIENT_IP6 = "fd00:114::2";
    static final String CLIENT_SIDE_BACKEND = "10.115.0.2", CLIENT_SIDE_BACKEND6 = "fd00:115::2";

    /**
     * A backend the node reaches through its client-facing interface: a namespace behind the client's (which routes
     * for it, as a router on the node's uplink would): node --nc-- client -- backend (10.115.0.2, fd00:115::2).
     * Returns its namespace.
     */
    String addClientSideBackend() throws Exception {
        String ns = client + "b";
        namespace(ns);
        extra.add(ns);
        run("ip", "link", "add", "cb" + tag, "netns", client, "type", "veth", "peer", "name", "bc" + tag, "netns", ns);
        addresses(new String[][] {{client, "cb" + tag, "10.115.0.1/24", "fd00:115::1/64"}, {ns, "bc" + tag, CLIENT_SIDE_BACKEND + "/24", CLIENT_SIDE_BACKEND6 + "/64"}});
        forwarding(client);
        run("ip", "-n", ns, "route", "add", "10.110.0.0/24", "via", "10.115.0.1");
        run("ip", "-n", ns, "-6", "route", "add", "fd00:110::/64", "via", "fd00:115::1");
        run("ip", "-n", node, "route", "add", "10.115.0.0/24", "via", CLIENT_IP);
        run("ip", "-n", node, "-6", "route", "add", "fd00:115::/64", "via", CLIENT_IP6);
        return ns;
    }

    /**
     * A client behind a router: far client (10.114.0.2, fd00:114::2) -- router -- node, where the router's link to the
     * client has a smaller MTU than every interface of the client, node and backends, as a tunnel or a WAN link on the
     * client's path does (the client's own MTU is 1500, so TCP offers a 1460-byte MSS). The router answers packets too
     * big for that link with ICMP "fragmentation needed" and ICMPv6 "packet too big". Returns the far client's
     * namespace and the node's interface towards the router.
     */
    String[] addFarClient(int mtu) throws Exception {
        String router = client.substring(0, client.length() - 1) + "r", far = client + "f";
        for (String ns : List.of(router, far)) {
            namespace(ns);
            extra.add(ns);
        }
        String nodeDev = "nr" + tag;
        run("ip", "link", "add", "rn" + tag, "netns", router, "type", "veth", "peer", "name", nodeDev, "netns", node);
        run("ip", "link", "add", "rc" + tag, "netns", router, "type", "veth", "peer", "name", "fr" + tag, "netns", far);
        run("ip", "-n", router, "link", "set", "rc" + tag, "mtu", Integer.toString(mtu));
        addresses(new String[][] {{node, nodeDev, "10.113.0.1/24", "fd00:113::1/64"}, {router, "rn" + tag, "10.113.0.2/24", "fd00:113::2/64"},
                {router, "rc" + tag, "10.114.0.1/24", "fd00:114::1/64"}, {far, "fr" + tag, FAR_CLIENT_IP + "/24", FAR_CLIENT_IP6 + "/64"}});
        forwarding(router);
        // routes only to what the test made: no namespace gets a default route
        run("ip", "-n", far, "route", "add", "10.110.0.0/24", "via", "10.114.0.1");
        run("ip", "-n", far, "-6", "route", "add", "fd00:110::/64", "via", "fd00:114::1");
        run("ip", "-n", router, "route", "add", "10.110.0.0/24", "via", "10.113.0.1");
        run("ip", "-n", router, "-6", "route", "add", "fd00:110::/64", "via", "fd00:113::1");
        run("ip", "-n", node, "route", "add", "10.114.0.0/24", "via", "10.113.0.2");
        run("ip", "-n", node, "-6", "route", "add", "fd00:114::/64", "via", "fd00:113::2");
        // the backends accept the router's errors (pods have a default route through their node)
        run("ip", "-n", backend2, "route", "add", "10.114.0.0/24", "via", "10.112.0.1");
        run("ip", "-n", backend2, "-6", "route", "add", "fd00:114::/64", "via", "fd00:112::1");
        return new String[] {far, nodeDev};
    }

    static TcTopology create() throws Exception {
        String tag = Long.toString(ProcessHandle.current().pid());
        TcTopology t = new TcTopology("kpft" + tag + "t", tag);
        try {
            for (String ns : List.of(t.client, t.node, t.backend1, t.backend2)) namespace(ns);
            t.link(t.client, "cx" + tag, CLIENT_IP + "/24", t.nodeDevices.get(0), NODE_IP + "/24");
            t.link(t.backend1, "b1" + tag, BACKEND1 + "/24", t.nodeDevices.get(1), "10.111.0.1/24");
            t.link(t.backend2, "b2" + tag, BACKEND2 + "/24", t.nodeDevices.get(2), "10.112.0.1/24");
            t.address6(t.client, "cx" + tag, CLIENT_IP6, t.nodeDevices.get(0), NODE_IP6);
            t.address6(t.backend1, "b1" + tag, BACKEND1_6, t.nodeDevices.get(1), "fd00:111::1");
            t.address6(t.backend2, "b2" + tag, BACKEND2_6, t.nodeDevices.get(2), "fd00:112::1");
            forwarding(t.node);
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

    /** A namespace with loopback up, without duplicate address detection (see {@link #address6}). */
    private static void namespace(String ns) throws Exception {
        run("ip", "netns", "add", ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        // no duplicate address detection on the interfaces made next: their link-local addresses, which
        // neighbour discovery uses, would stay tentative for about 1.5 s and the first IPv6 packets be lost
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
    }

    /** Each row {namespace, interface, IPv4/prefix, IPv6/prefix}: both addresses on the interface, which goes up. */
    private static void addresses(String[][] rows) throws Exception {
        for (String[] a : rows) {
            run("ip", "-n", a[0], "addr", "add", a[2], "dev", a[1]);
            run("ip", "-n", a[0], "addr", "add", a[3], "dev", a[1], "nodad");
            run("ip", "-n", a[0], "link", "set", a[1], "up");
        }
    }

    /** The namespace routes IPv4 and IPv6. */
    private static void forwarding(String ns) throws Exception {
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
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

    /**
     * The client-facing veth pair deleted and made again under the same names, addresses and routes, as when a NIC's
     * driver is reloaded or a CNI re-creates an interface: the node's device comes back with a new interface index.
     */
    void remakeClientLink() throws Exception {
        run("ip", "-n", client, "link", "del", "cx" + tag);
        link(client, "cx" + tag, CLIENT_IP + "/24", nodeDevices.get(0), NODE_IP + "/24");
        address6(client, "cx" + tag, CLIENT_IP6, nodeDevices.get(0), NODE_IP6);
        run("ip", "-n", client, "route", "add", "198.51.100.0/24", "via", NODE_IP);
        run("ip", "-n", client, "-6", "route", "add", "2001:db8:30::/64", "via", NODE_IP6);
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
        List<String> all = new ArrayList<>(List.of(client, node, backend1, backend2));
        all.addAll(extra);
        for (String ns : all) {
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
