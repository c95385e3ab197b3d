package dev.kpf.dataplane.model;

import java.net.InetAddress;
import java.util.Optional;

/** An IP prefix such as {@code 203.0.113.0/24} or {@code 2001:db8::/32}, as in loadBalancerSourceRanges. */
public record Cidr(InetAddress network, int prefixLength) {
    public Cidr {
        int max = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > max) throw new IllegalArgumentException("prefix /" + prefixLength + " out of range");
    }

    public static Optional<Cidr> parse(String text) {
        if (text == null) return Optional.empty();
        String t = text.strip();
        int slash = t.indexOf('/');
        Optional<InetAddress> ip = IpAddresses.parse(slash < 0 ? t : t.substring(0, slash));
        if (ip.isEmpty()) return Optional.empty();
        int max = ip.get().getAddress().length * 8;
        int len;
        try {
            len = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (len < 0 || len > max) return Optional.empty();
        return Optional.of(new Cidr(masked(ip.get(), len), len));
    }

    /**
     * A prefix as kube-proxy reads one from the API (k8s.io/utils/net ParseCIDRSloppy): the prefix length is required,
     * IPv4 octets may carry leading zeros (decimal); the host bits are cleared.
     */
    public static Optional<Cidr> parseSloppy(String text) {
        if (text == null) return Optional.empty();
        String t = text.strip();
        int slash = t.indexOf('/');
        if (slash < 0) return Optional.empty();
        Optional<InetAddress> ip = IpAddresses.parseSloppy(t.substring(0, slash));
        if (ip.isEmpty() || !t.substring(slash + 1).matches("\\d{1,3}")) return Optional.empty();
        int len = Integer.parseInt(t.substring(slash + 1));
        if (len > ip.get().getAddress().length * 8) return Optional.empty();
        return Optional.of(new Cidr(masked(ip.get(), len), len));
    }

    private static InetAddress masked(InetAddress ip, int len) {
        byte[] b = ip.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, len - 8 * i));
            b[i] = (byte) (b[i] & (0xff << (8 - keep)));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public IpFamily family() {
        return IpFamily.of(network);
    }

    @Override
    public String toString() {
        return IpAddresses.format(network) + "/" + prefixLength;
    }
}
