package dev.kpf.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The backend of the connect benchmarks: accepts and closes connections on ADDR:PORT for at most SECONDS (with a
 * fourth argument "answer", after writing one byte).
 * Started by the bench inside the namespace it made; prints "ready" once listening.
 */
public final class AcceptServer {
    public static void main(String[] args) throws IOException {
        InetAddress addr = InetAddress.ofLiteral(args[0]);
        int port = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        boolean answer = args.length > 3 && args[3].equals("answer");
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(addr, port), 4096);
            server.setSoTimeout(500);
            System.out.println("ready");
            System.out.flush();
            while (System.nanoTime() < deadline) {
                try (Socket s = server.accept()) {
                    if (answer) s.getOutputStream().write('k'); // one byte: the "request" of the connect benchmarks
                } catch (java.net.SocketTimeoutException idle) {
                    // check the deadline
                } catch (IOException reset) {
                    // the client reset first
                }
            }
        }
    }
}
