package dev.kpf.dataplane.bpf;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client that keeps its sockets: for each ADDR:PORT argument (prefixed udp: or tcp:) it connects once, and on every
 * line of standard input it sends one datagram (UDP) or reads one line (TCP) on each and prints, one line per socket,
 * {@code ok ANSWER} or {@code err REASON}. Bounded: every read times out after 2 s; it ends with its input.
 */
public final class SocketHolder {
    private SocketHolder() {}

    public static void main(String[] args) throws Exception {
        Object[] sockets = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            String[] f = args[i].split(":", 2);
            int colon = f[1].lastIndexOf(':');
            InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(f[1].substring(0, colon)), Integer.parseInt(f[1].substring(colon + 1)));
            if (f[0].equals("udp")) {
                DatagramSocket s = new DatagramSocket();
                s.connect(to);
                s.setSoTimeout(2000);
                sockets[i] = s;
            } else {
                Socket s = new Socket();
                s.connect(to, 2000);
                s.setSoTimeout(2000);
                sockets[i] = s;
            }
        }
        System.out.println("connected");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        while (in.readLine() != null) {
            for (Object o : sockets) {
                try {
                    if (o instanceof DatagramSocket s) {
                        s.send(new DatagramPacket(new byte[] {'?'}, 1));
                        byte[] buf = new byte[256];
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        s.receive(p);
                        System.out.println("ok " + new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII).split(" ")[0]);
                    } else {
                        String line = new BufferedReader(new InputStreamReader(((Socket) o).getInputStream(), StandardCharsets.US_ASCII)).readLine();
                        System.out.println(line == null ? "ok closed-by-peer" : "ok " + line.split(" ")[0]);
                    }
                } catch (Exception e) {
                    String m = String.valueOf(e.getMessage());
                    System.out.println("err " + (m.contains("aborted") ? "ECONNABORTED" : m.contains("Destination address required") ? "EDESTADDRREQ"
                            : e.getClass().getSimpleName() + ":" + m.replace(' ', '_')));
                }
            }
            System.out.println("end");
            System.out.flush();
        }
    }
}
