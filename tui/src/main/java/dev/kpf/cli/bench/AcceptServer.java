package dev.kpf.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The backend of {@code kpf bench connect}: accepts and closes connections on ADDR:PORT for at most SECONDS.
 * Started by the bench inside the namespace it made; prints "ready" once listening.
 */
public final class AcceptServer {
    public static void main(String[] args) throws IOException {
        InetAddress addr = InetAddress.ofLiteral(args[0]);
        int port = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(addr, port), 4096);
            server.setSoTimeout(500);
            System.out.println("ready");
            System.out.flush();
            while (System.nanoTime() < deadline) {
                try (Socket s = server.accept()) {
                    // accepted; closed at once
                } catch (java.net.SocketTimeoutException idle) {
                    // check the deadline
                } catch (IOException reset) {
                    // the client reset first
                }
            }
        }
    }
}
