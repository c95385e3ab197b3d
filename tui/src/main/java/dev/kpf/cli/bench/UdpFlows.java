package dev.kpf.cli.bench;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The client of the UDP flow run: COUNT flows to ADDR:PORT, each a new socket (a new source port: a new flow for
 * the node) that sends one datagram and waits TIMEOUT_MS for the answer. Prints
 * "ok N failed F seconds S p50us A p99us B" (latency of the answered flows).
 */
public final class UdpFlows {
    private UdpFlows() {}

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]), timeout = Integer.parseInt(args[3]);
        long[] latency = new long[count];
        int ok = 0;
        long t = System.nanoTime();
        byte[] buf = new byte[256];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            try (DatagramSocket s = new DatagramSocket()) {
                s.connect(target);
                s.setSoTimeout(timeout);
                s.send(new DatagramPacket(new byte[] {'?'}, 1));
                s.receive(new DatagramPacket(buf, buf.length));
                latency[ok++] = System.nanoTime() - t0;
            } catch (java.io.IOException e) {
                // no answer: the flow was dropped (no free SNAT port) or lost
            }
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        long[] answered = Arrays.copyOf(latency, ok);
        Arrays.sort(answered);
        System.out.printf(java.util.Locale.ROOT, "ok %d failed %d seconds %.4f p50us %d p99us %d%n", ok, count - ok, seconds,
                ok == 0 ? 0 : answered[ok / 2] / 1000, ok == 0 ? 0 : answered[Math.min(ok - 1, (int) Math.ceil(ok * 0.99) - 1)] / 1000);
    }
}
