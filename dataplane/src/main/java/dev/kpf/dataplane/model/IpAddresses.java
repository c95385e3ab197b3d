package dev.kpf.dataplane.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * IP literals in and out: parsing never resolves names (only literals are accepted), and IPv6 is printed in the
 * canonical short form of RFC 5952 ({@code fd00::a}), as kubectl shows it.
 */
public final class IpAddresses {
    private IpAddresses() {}

    /**
     * Whether {@link java.net.Inet4Address#hashCode()} is the address itself, as in every JDK so far (not promised
     * by its documentation, so checked once): sorting and encoding 100,000 backends then allocates no byte arrays.
     */
    private static final boolean V4_HASH_IS_ADDRESS = ofLiteral("1.2.3.4").hashCode() == 0x01020304
            && ofLiteral("255.0.0.1").hashCode() == 0xff000001;

    private static InetAddress ofLiteral(String text) {
        return InetAddress.ofLiteral(text);
    }

    /** An IPv4 address as an int, first octet in the high byte. */
    public static int v4Bits(java.net.Inet4Address a) {
        if (V4_HASH_IS_ADDRESS) return a.hashCode();
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** IPv4 before IPv6, then by address bytes as unsigned numbers: the order of every table kpf prints or keys. */
    public static int compare(InetAddress a, InetAddress b) {
        if (a instanceof java.net.Inet4Address a4) {
            return b instanceof java.net.Inet4Address b4 ? Integer.compareUnsigned(v4Bits(a4), v4Bits(b4)) : -1;
        }
        if (b instanceof java.net.Inet4Address) return 1;
        return java.util.Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }

    /**
     * Four decimal octets of 0 to 255 without leading zeros, dot-separated: the only IPv4 text {@link #parse} takes
     * ({@code Inet4Address.ofLiteral} also takes {@code 10.1} and the like).
     */
    static boolean dottedQuad(String t) {
        int i = 0, n = t.length();
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (i >= n || t.charAt(i) != '.') return false;
                i++;
            }
            int start = i, value = 0;
            while (i < n && i - start < 3 && t.charAt(i) >= '0' && t.charAt(i) <= '9') value = value * 10 + (t.charAt(i++) - '0');
            if (i == start || value > 255 || (i - start > 1 && t.charAt(start) == '0')) return false;
        }
        return i == n;
    }

    /** The address for an IPv4 or IPv6 literal; empty for anything else (host names, garbage, zone ids). */
    public static Optional<InetAddress> parse(String text) {
        if (text == null) return Optional.empty();
        String t = text.strip();
        if (t.isEmpty() || t.contains("%")) return Optional.empty();
        boolean v6 = t.indexOf(':') >= 0;
        if (!v6 && !dottedQuad(t)) return Optional.empty();
        try {
            // each family's own parser: InetAddress.ofLiteral tries IPv4 first and throws inside for every IPv6 text
            return Optional.of(v6 ? java.net.Inet6Address.ofLiteral(t) : java.net.Inet4Address.ofLiteral(t));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * As {@link #parse}, but IPv4 octets may carry leading zeros, read in decimal ({@code 010.096.000.001} is
     * 10.96.0.1): how kube-proxy reads addresses from the API (k8s.io/utils/net ParseIPSloppy), for objects stored
     * before the API rejected such text (and still accepted without StrictIPCIDRValidation). For API objects only;
     * what users type is parsed strictly.
     */
    public static Optional<InetAddress> parseSloppy(String text) {
        Optional<InetAddress> strict = parse(text);
        if (strict.isPresent() || text == null) return strict;
        String[] octets = text.strip().split("\\.", -1);
        if (octets.length != 4) return Optional.empty();
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!octets[i].matches("\\d{1,12}")) return Optional.empty();
            long v = Long.parseLong(octets[i]);
            if (v > 255) return Optional.empty();
            b[i] = (byte) v;
        }
        try {
            return Optional.of(InetAddress.getByAddress(b));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Dotted quad for IPv4, RFC 5952 for IPv6 (lower case, longest zero run compressed, first on ties). */
    public static String format(InetAddress address) {
        if (!(address instanceof Inet6Address)) return address.getHostAddress();
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) bestStart = -1;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    /** {@code ip:port} with brackets around IPv6: {@code [fd00::a]:443}. */
    public static String withPort(InetAddress address, int port) {
        return address instanceof Inet6Address ? "[" + format(address) + "]:" + port : format(address) + ":" + port;
    }

    /** {@code ip:port} with brackets around IPv6: {@code [fd00::a]:443}. */
    public static String withPort(IpAddress address, int port) {
        return address.isV4() ? address + ":" + port : "[" + address + "]:" + port;
    }
}
