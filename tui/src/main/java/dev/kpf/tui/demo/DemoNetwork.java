package dev.kpf.tui.demo;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.diagnostics.NodeCommands;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Where the demo's traffic runs: a network namespace of its own (loopback only, no default route) that carries the
 * backend addresses of the demo's Services, and a {@link TrafficMain} process inside it and inside the demo cgroup,
 * so kpf's programs translate its connects to Service addresses. Closing stops the process and deletes the namespace.
 */
final class DemoNetwork implements AutoCloseable {
    private final String name;
    private final Path cgroup;
    private final Path targets;
    private final Set<String> addresses = new HashSet<>();
    private final NodeCommands ip = new NodeCommands(List.of());
    private Process traffic;

    private DemoNetwork(String name, Path cgroup, Path targets) {
        this.name = name;
        this.cgroup = cgroup;
        this.targets = targets;
    }

    static DemoNetwork create(String name, Path cgroup) throws IOException {
        new NodeCommands(List.of()).run(List.of("ip", "netns", "add", name));
        DemoNetwork n = new DemoNetwork(name, cgroup, Files.createTempFile("kpf-demo-traffic", ".targets"));
        try {
            n.ip.run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
            return n;
        } catch (IOException e) {
            n.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    /** Adds the backend addresses of TCP ClusterIP frontends to the namespace and writes the traffic's targets. */
    void update(LbTable programmed) throws IOException {
        List<String> lines = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        for (LbEntry e : programmed.entries().values()) {
            if (e.type() != FrontendType.CLUSTER_IP || e.frontend().protocol() != Protocol.TCP) continue;
            lines.add("connect " + IpAddresses.format(e.frontend().address()) + " " + e.frontend().port());
            for (Backend b : e.backends()) {
                String addr = IpAddresses.format(b.address());
                lines.add("listen " + addr + " " + b.port());
                if (addresses.add(addr)) batch.add("addr add " + addr + (addr.contains(":") ? "/128" : "/32") + " dev lo");
            }
        }
        if (!batch.isEmpty()) {
            Path file = Files.createTempFile("kpf-demo-ip", ".batch");
            try {
                Files.write(file, batch);
                // -force: an address already there (after a restart of the demo) is not an error
                ip.run(List.of("ip", "-force", "-n", name, "-batch", file.toString()));
            } finally {
                Files.deleteIfExists(file);
            }
        }
        Path tmp = Files.createTempFile(targets.getParent(), ".kpf-demo", ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, targets, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts the traffic process inside the namespace and the demo cgroup, at about {@code perSecond} connects. */
    void startTraffic(int perSecond, long maxSeconds) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        String script = "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec ip netns exec " + name + " " + java
                + " -Xmx64m -XX:TieredStopAtLevel=1 -cp " + classPath + " " + TrafficMain.class.getName() + " " + targets + " "
                + ProcessHandle.current().pid() + " " + maxSeconds + " " + perSecond;
        traffic = new ProcessBuilder("sh", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(targets);
        } catch (IOException ignored) {
            // a temp file; the traffic process also stops with its parent
        }
        if (traffic != null) {
            traffic.destroy();
            try {
                if (!traffic.waitFor(5, TimeUnit.SECONDS)) traffic.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            ip.run(List.of("ip", "netns", "del", name));
        } catch (IOException ignored) {
            // already gone
        }
    }
}
