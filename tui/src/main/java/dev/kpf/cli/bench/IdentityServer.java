package dev.kpf.cli.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Backends that say who they are: on every address and port given, a TCP server that writes its own address and
 * port ("10.244.0.5:8080") to each connection and a UDP server that answers each datagram with the same. Runs in a
 * namespace of the benchmark's for at most the given seconds, prints "ready" when every socket listens.
 * <p>{@code IdentityServer SECONDS PORT,PORT,... ADDR [ADDR ...]}
 */
public final class IdentityServer {
    private IdentityServer() {}

    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        List<Integer> ports = new ArrayList<>();
        for (String p : args[1].split(",")) ports.add(Integer.parseInt(p));
        List<AutoCloseable> sockets = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            InetAddress a = InetAddress.getByName(args[i]);
            for (int port : ports) {
                ServerSocket tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(a, port), 256);
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(a, port));
                sockets.add(tcp);
                sockets.add(udp);
                byte[] identity = (a.getHostAddress() + ":" + port).getBytes(StandardCharsets.US_ASCII);
                Thread.ofVirtual().start(() -> serveTcp(tcp, identity));
                Thread.ofVirtual().start(() -> serveUdp(udp, identity));
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(seconds * 1000);
        for (AutoCloseable s : sockets) s.close();
        System.exit(0);
    }

    private static void serveTcp(ServerSocket server, byte[] identity) {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                out.write(identity);
                out.write('\n');
            } catch (IOException e) {
                // a client gone, or the server closed
            }
        }
    }

    private static void serveUdp(DatagramSocket socket, byte[] identity) {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                socket.receive(in);
                socket.send(new DatagramPacket(identity, identity.length, in.getSocketAddress()));
            } catch (IOException e) {
                // closed
            }
        }
    }
}
