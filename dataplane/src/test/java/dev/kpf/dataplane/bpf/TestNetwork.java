package dev.kpf.dataplane.bpf;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces made by a test and joined by a veth pair: "client" (10.203.0.1, fd00:203::1, no default
 * route, so Service addresses exist nowhere) and "backends" (10.203.0.2-4, fd00:203::2-4). Removed on close, which
 * also removes the veth pair.
 */
final class TestNetwork implements AutoCloseable {
    static final List<String> BACKENDS4 = List.of("10.203.0.2", "10.203.0.3", "10.203.0.4");
    static final List<String> BACKENDS6 = List.of("fd00:203::2", "fd00:203::3", "fd00:203::4");

    final String client;
    final String backends;
    private final List<Process> processes = new ArrayList<>();

    private TestNetwork(String prefix) {
        this.client = prefix + "c";
        this.backends = prefix + "b";
    }

    static TestNetwork create() throws Exception {
        String prefix = "kpft" + ProcessHandle.current().pid();
        TestNetwork n = new TestNetwork(prefix);
        try {
            String vc = "kc" + ProcessHandle.current().pid(), vb = "kb" + ProcessHandle.current().pid();
            run("ip", "netns", "add", n.client);
            run("ip", "netns", "add", n.backends);
            run("ip", "link", "add", vc, "netns", n.client, "type", "veth", "peer", "name", vb, "netns", n.backends);
            for (String ns : List.of(n.client, n.backends)) run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "-n", n.client, "addr", "add", "10.203.0.1/24", "dev", vc);
            run("ip", "-n", n.client, "addr", "add", "fd00:203::1/64", "dev", vc, "nodad");
            for (String a : BACKENDS4) run("ip", "-n", n.backends, "addr", "add", a + "/24", "dev", vb);
            for (String a : BACKENDS6) run("ip", "-n", n.backends, "addr", "add", a + "/64", "dev", vb, "nodad");
            run("ip", "-n", n.client, "link", "set", vc, "up");
            run("ip", "-n", n.backends, "link", "set", vb, "up");
            return n;
        } catch (Exception e) {
            n.close();
            throw e;
        }
    }

    /** Starts the peer as TCP server on port 8080 and UDP server on 8053 of every backend address, IPv4 and IPv6. */
    void startPeerServers(Path peer) throws Exception {
        List<String> tcp = new ArrayList<>(List.of(peer.toString(), "serve", "tcp", "120"));
        List<String> udp = new ArrayList<>(List.of(peer.toString(), "serve", "udp", "120"));
        for (String a : BACKENDS4) {
            tcp.addAll(List.of(a, "8080"));
            udp.addAll(List.of(a, "8053"));
        }
        for (String a : BACKENDS6) {
            tcp.addAll(List.of(a, "8080"));
            udp.addAll(List.of(a, "8053"));
        }
        startInBackends(tcp);
        startInBackends(udp);
    }

    /** Starts {@code command} inside the backends namespace and waits for its "ready" line. */
    void startInBackends(List<String> command) throws Exception {
        startReady(backends, command, processes);
    }

    /** Starts {@code command} inside namespace {@code ns}, adds it to {@code started} and waits for its "ready" line. */
    static void startReady(String ns, List<String> command, List<Process> started) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        started.add(p);
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        if (!"ready".equals(line)) throw new IllegalStateException("server did not start in " + ns + ": " + line);
    }

    /**
     * Runs the peer client ({@code kpf_peer connect PROTO COUNT ADDR PORT}) inside {@code cgroup} and the client
     * namespace; returns its lines, one per connection, after checking it exited 0 and printed {@code count}.
     */
    List<String> peerClient(Path cgroup, Path peer, String proto, int count, String addr, int port) throws Exception {
        String script = "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec nsenter --net=/run/netns/" + client
                + " " + peer + " connect " + proto + " " + count + " " + addr + " " + port;
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("client timed out");
        }
        if (p.exitValue() != 0) throw new IOException("client exited " + p.exitValue() + ": " + out);
        List<String> lines = out.lines().toList();
        if (lines.size() != count) throw new IOException("client printed " + lines.size() + " lines, expected " + count + ":\n" + out);
        return lines;
    }

    static String run(String... cmd) throws Exception {
        return runFor(30, cmd);
    }

    /** Runs {@code cmd} to its end (at most {@code seconds} after its output closed); its output, or an exception naming it. */
    static String runFor(int seconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        return out;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : List.of(client, backends)) {
            try {
                run("ip", "netns", "del", ns);
            } catch (Exception ignored) {
                // not created
            }
        }
    }
}
