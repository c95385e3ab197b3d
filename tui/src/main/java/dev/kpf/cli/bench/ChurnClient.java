package dev.kpf.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The clients of {@code kpf bench churn}: one process (one network namespace, so one ClientIP-affinity client)
 * that connects when told to and reports who answered. Reads rounds from standard input, one target a line
 * ({@code tcp|udp ADDR PORT COUNT}) and {@code end}; for each attempt prints {@code ADDR PORT PROTO ok IDENTITY} or
 * {@code ADDR PORT PROTO err REASON}, then {@code done} after the round. TCP connects and reads the backend's line;
 * UDP connects a datagram socket, sends one datagram and reads the answer. Every attempt is bounded by a timeout.
 */
public final class ChurnClient {
    private ChurnClient() {}

    private static final int TIMEOUT_MS = 1000;

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("end")) {
                out.println("done");
                out.flush();
                continue;
            }
            String[] f = line.split(" ");
            InetAddress address = InetAddress.getByName(f[1]);
            int port = Integer.parseInt(f[2]), count = Integer.parseInt(f[3]);
            for (int i = 0; i < count; i++) out.println(f[1] + " " + port + " " + f[0] + " " + attempt(f[0].equals("udp"), address, port));
        }
    }

    private static String attempt(boolean udp, InetAddress address, int port) {
        try {
            return "ok " + (udp ? udp(address, port) : tcp(address, port));
        } catch (IOException | RuntimeException e) {
            return "err " + reason(e);
        }
    }

    private static String tcp(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            String identity = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (identity == null) throw new IOException("closed without an answer");
            return identity;
        }
    }

    private static String udp(InetAddress address, int port) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(address, port));
            s.setSoTimeout(TIMEOUT_MS);
            s.send(new DatagramPacket(new byte[] {'?'}, 1));
            byte[] buf = new byte[256];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            return new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII);
        }
    }

    /** ECONNREFUSED, ENETUNREACH, TIMEOUT or the exception's text without spaces. */
    private static String reason(Exception e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (e instanceof java.net.PortUnreachableException || m.contains("refused")) return "ECONNREFUSED";
        if (m.contains("unreachable")) return "ENETUNREACH";
        if (e instanceof java.net.SocketTimeoutException || m.contains("timed out")) return "TIMEOUT";
        return e.getClass().getSimpleName() + ":" + m.replace(' ', '_');
    }
}
