package dev.kpf.tui.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The demo's traffic, as its own process started inside the demo's network namespace and cgroup (so kpf's programs
 * translate its connects and nothing else on the machine is touched): it listens on every backend address named in
 * the targets file and connects to the Service addresses named there, a few dozen times a second. It reads the file
 * again every few seconds and stops when the file goes, when its parent is gone, or after its time limit.
 *
 * <p>Targets file: lines {@code listen ADDR PORT} and {@code connect ADDR PORT}.
 */
public final class TrafficMain {
    private TrafficMain() {}

    public static void main(String[] args) throws Exception {
        Path targets = Path.of(args[0]);
        long parent = Long.parseLong(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        int perSecond = Integer.parseInt(args[3]);
        Map<String, ServerSocket> servers = new HashMap<>();
        List<InetSocketAddress> connect = new ArrayList<>();
        long nextRead = 0;
        while (System.nanoTime() < deadline && Files.exists(targets) && ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() >= nextRead) {
                connect = read(targets, servers);
                nextRead = System.nanoTime() + 3_000_000_000L;
            }
            if (!connect.isEmpty()) {
                InetSocketAddress to = connect.get(ThreadLocalRandom.current().nextInt(connect.size()));
                try (Socket s = new Socket()) {
                    s.connect(to, 200);
                } catch (IOException refusedOrNoBackend) {
                    // counted by kpf as a refusal (no backends) or a connect to a backend that is not listening yet
                }
            }
            Thread.sleep(Math.max(1, 1000 / perSecond));
        }
        for (ServerSocket s : servers.values()) s.close();
    }

    private static List<InetSocketAddress> read(Path targets, Map<String, ServerSocket> servers) throws IOException {
        List<InetSocketAddress> connect = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(targets);
        } catch (IOException gone) {
            return connect;
        }
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length != 3) continue;
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName(f[1]), Integer.parseInt(f[2]));
            if (f[0].equals("connect")) connect.add(a);
            if (f[0].equals("listen") && !servers.containsKey(line)) {
                try {
                    ServerSocket server = new ServerSocket();
                    server.bind(a, 64);
                    servers.put(line, server);
                    Thread.ofVirtual().start(() -> accept(server));
                } catch (IOException notYet) {
                    // the address is not on the interface yet; next round
                }
            }
        }
        return connect;
    }

    private static void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.getOutputStream().write('k');
            } catch (IOException e) {
                return;
            }
        }
    }
}
