package dev.kpf.cli.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The client of {@code kpf bench connect}: WARMUP unmeasured then COUNT measured connect+close to ADDR:PORT, each
 * with a 2 s timeout and an abortive close (no TIME_WAIT). Prints "ok N failed F seconds S".
 */
public final class ConnectLoad {
    public static void main(String[] args) {
        InetSocketAddress target = new InetSocketAddress(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        run(target, warmup);
        long t = System.nanoTime();
        int failed = run(target, count);
        double seconds = (System.nanoTime() - t) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "ok %d failed %d seconds %.4f%n", count - failed, failed, seconds);
    }

    private static int run(InetSocketAddress target, int count) {
        int failed = 0;
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            try {
                s.setSoLinger(true, 0);
                s.connect(target, 2000);
            } catch (java.io.IOException e) {
                failed++;
                if (failed <= 3) System.err.println("connect " + target + ": " + e);
            } finally {
                try {
                    s.close(); // abortive: the backend may see a reset, the connect has already succeeded
                } catch (java.io.IOException ignored) {
                    // closing a reset socket
                }
            }
        }
        return failed;
    }
}
