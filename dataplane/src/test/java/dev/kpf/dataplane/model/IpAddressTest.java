package dev.kpf.dataplane.model;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The compact address means what the {@link InetAddress} it was made from means: checked against it, seeded. */
class IpAddressTest {
    private static final long SEED = 0x1ADD8L;

    @Test
    void agreesWithTheInetAddressItWasMadeFrom() throws Exception {
        Random random = new Random(SEED);
        List<InetAddress> addresses = new ArrayList<>();
        for (int i = 0; i < 2000; i++) addresses.add(randomAddress(random));
        for (InetAddress a : addresses) {
            IpAddress ip = IpAddress.of(a);
            assertEquals(a, ip.toInetAddress(), "round trip of " + a);
            assertEquals(a.getClass(), ip.toInetAddress().getClass(), "family class of " + a);
            assertArrayEquals(a.getAddress(), ip.bytes(), "bytes of " + a);
            assertEquals(ip, IpAddress.ofBytes(a.getAddress()), "from bytes: " + a);
            assertEquals(IpAddresses.format(a), ip.toString(), "text of " + a);
            assertEquals(a instanceof Inet4Address, ip.isV4(), "family of " + a);
            assertEquals(IpFamily.of(a), ip.family(), "family of " + a);
        }
        for (InetAddress a : addresses) {
            for (int k = 0; k < 20; k++) {
                InetAddress b = addresses.get(random.nextInt(addresses.size()));
                IpAddress x = IpAddress.of(a), y = IpAddress.of(b);
                assertEquals(Integer.signum(IpAddresses.compare(a, b)), Integer.signum(x.compareTo(y)), a + " against " + b);
                assertEquals(a.equals(b), x.equals(y), a + " equals " + b);
                if (x.equals(y)) assertEquals(x.hashCode(), y.hashCode());
            }
        }
    }

    @Test
    void anIpv4AddressHashesAsInet4AddressDoes() throws Exception {
        InetAddress a = InetAddress.getByAddress(new byte[]{(byte) 250, 1, 2, 3});
        assertEquals(a.hashCode(), IpAddress.of(a).hashCode());
    }

    @Test
    void edgesOfEachFamily() throws Exception {
        for (String text : List.of("0.0.0.0", "255.255.255.255", "128.0.0.1", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "8000::", "fd00::a", "2001:db8::8000:0:0:1")) {
            InetAddress a = IpAddresses.parse(text).orElseThrow();
            assertEquals(text, IpAddress.of(a).toString());
            assertEquals(a, IpAddress.of(a).toInetAddress());
        }
        // an IPv4-mapped IPv6 address stays IPv6 both ways
        byte[] mapped = new byte[16];
        mapped[10] = mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        Inet6Address six = Inet6Address.getByAddress(null, mapped, -1);
        assertInstanceOf(IpAddress.V6.class, IpAddress.of(six));
        assertEquals(six, IpAddress.of(six).toInetAddress());
        assertInstanceOf(IpAddress.V6.class, IpAddress.ofBytes(mapped));
        assertThrows(IllegalArgumentException.class, () -> IpAddress.ofBytes(new byte[5]));
    }

    private static InetAddress randomAddress(Random random) throws Exception {
        byte[] b = new byte[random.nextInt(3) == 0 ? 16 : 4];
        random.nextBytes(b);
        // few distinct values per byte, so that equal addresses and shared prefixes occur
        if (random.nextBoolean()) for (int i = 0; i < b.length; i++) b[i] = (byte) (b[i] & 0x81);
        if (b.length == 16 && random.nextInt(4) == 0) Arrays.fill(b, 2, 14, (byte) 0);
        return b.length == 16 ? Inet6Address.getByAddress(null, b, -1) : InetAddress.getByAddress(b);
    }
}
