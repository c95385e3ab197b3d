package dev.kpf.cli.bench;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;

/**
 * The client of the connect benchmarks: WARMUP unmeasured then COUNT measured connections to ADDR:PORT, each with a
 * 2 s timeout and an abortive close (no TIME_WAIT). With a fifth argument "request" each connection also reads the
 * server's one-byte answer, and the latency of connect + answer is recorded. Prints
 * "ok N failed F seconds S p50us A p99us B".
 */
public final class ConnectLoad {
    public static void main(String[] args) {
        InetSocketAddress target = new InetSocketAddress(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        boolean request = args.length > 4 && args[4].equals("request");
        run(target, warmup, request, new long[warmup]);
        long[] latency = new long[count];
        long t = System.nanoTime();
        int failed = run(target, count, request, latency);
        double seconds = (System.nanoTime() - t) / 1e9;
        Arrays.sort(latency);
        System.out.printf(java.util.Locale.ROOT, "ok %d failed %d seconds %.4f p50us %d p99us %d%n", count - failed, failed, seconds,
                latency[count / 2] / 1000, latency[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)] / 1000);
    }

    private static int run(InetSocketAddress target, int count, boolean request, long[] latency) {
        int failed = 0;
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            long t0 = System.nanoTime();
            try {
                s.setSoLinger(true, 0);
                s.connect(target, 2000);
                if (request) {
                    s.setSoTimeout(2000);
                    InputStream in = s.getInputStream();
                    if (in.read() < 0) throw new java.io.IOException("no answer");
                }
                latency[i] = System.nanoTime() - t0;
            } catch (java.io.IOException e) {
                failed++;
                latency[i] = Long.MAX_VALUE / 2;
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
