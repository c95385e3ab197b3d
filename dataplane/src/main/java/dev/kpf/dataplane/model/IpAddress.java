package dev.kpf.dataplane.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An endpoint's address as the agent keeps one per endpoint and backend: an IPv4 address in one {@code int}, an IPv6
 * address in two {@code long}s. An {@link InetAddress} costs 56 bytes for IPv4 (the address and its holder) and 120
 * for IPv6 (with a second holder and the byte array); these 16 and 32. At 10,000 Services x 10 endpoints, about
 * 120,000 endpoint addresses are held, shared by the model, the translated table and the writer's mirror.
 * <p>Equal exactly when the addresses are; ordered as {@link IpAddresses#compare} orders them (IPv4 first, then by
 * bytes as unsigned numbers); {@link #toString()} is {@link IpAddresses#format}'s text. Each family round-trips to
 * its own {@code InetAddress} class: an {@link Inet6Address} stays IPv6, also when it holds an IPv4-mapped address.
 */
public sealed interface IpAddress extends Comparable<IpAddress> permits IpAddress.V4, IpAddress.V6 {

    /** {@code address} in compact form. */
    static IpAddress of(InetAddress address) {
        if (address instanceof Inet4Address a4) return new V4(IpAddresses.v4Bits(a4));
        byte[] b = address.getAddress();
        return new V6(longAt(b, 0), longAt(b, 8));
    }

    /** The address of 4 or 16 bytes, first byte first (as {@link InetAddress#getAddress()} gives them). */
    static IpAddress ofBytes(byte[] b) {
        if (b.length == 4) return new V4((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
        if (b.length != 16) throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + b.length);
        return new V6(longAt(b, 0), longAt(b, 8));
    }

    /** The same address as an {@link InetAddress} (a new one on each call). */
    InetAddress toInetAddress();

    /** Its 4 or 16 bytes, first byte first (a new array on each call). */
    byte[] bytes();

    boolean isV4();

    default IpFamily family() {
        return isV4() ? IpFamily.IPv4 : IpFamily.IPv6;
    }

    @Override
    default int compareTo(IpAddress o) {
        if (this instanceof V4 a) return o instanceof V4 b ? Integer.compareUnsigned(a.bits, b.bits) : -1;
        if (o instanceof V4) return 1;
        V6 a = (V6) this, b = (V6) o;
        int high = Long.compareUnsigned(a.high, b.high);
        return high != 0 ? high : Long.compareUnsigned(a.low, b.low);
    }

    /** An IPv4 address, first octet in the high byte. */
    record V4(int bits) implements IpAddress {
        @Override
        public InetAddress toInetAddress() {
            return toInet(bytes());
        }

        @Override
        public byte[] bytes() {
            return new byte[]{(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
        }

        @Override
        public boolean isV4() {
            return true;
        }

        // written out: a record's generated equals and hashCode run as method handles until the JIT compiles them,
        // which a first sync's 100,000 lookups in a cold JVM pay for
        @Override
        public boolean equals(Object o) {
            return o instanceof V4 v && v.bits == bits;
        }

        @Override
        public int hashCode() {
            return bits;
        }

        @Override
        public String toString() {
            return (bits >>> 24) + "." + (bits >>> 16 & 0xff) + "." + (bits >>> 8 & 0xff) + "." + (bits & 0xff);
        }
    }

    /** An IPv6 address: its first 8 bytes in {@code high}, the last 8 in {@code low}, first byte highest. */
    record V6(long high, long low) implements IpAddress {
        @Override
        public InetAddress toInetAddress() {
            return toInet(bytes());
        }

        @Override
        public byte[] bytes() {
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (high >>> (56 - 8 * i));
                b[8 + i] = (byte) (low >>> (56 - 8 * i));
            }
            return b;
        }

        @Override
        public boolean isV4() {
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof V6 v && v.high == high && v.low == low;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(high) * 31 + Long.hashCode(low);
        }

        @Override
        public String toString() {
            return IpAddresses.format(toInetAddress());
        }
    }

    private static long longAt(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) v = v << 8 | (b[i] & 0xff);
        return v;
    }

    private static InetAddress toInet(byte[] b) {
        try {
            return b.length == 16 ? Inet6Address.getByAddress(null, b, -1) : InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }
}
