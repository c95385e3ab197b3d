package dev.kpf.dataplane.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IP literals parse without name lookups and print as kubectl prints them (RFC 5952 for IPv6). */
class IpAddressesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "10.96.0.1,                      10.96.0.1",
            "fd00:96:0:0:0:0:0:30,           fd00:96::30",
            "2001:DB8:0:0:1:0:0:1,           2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1,           2001:db8:0:1:1:1:1:1",
            "0:0:0:0:0:0:0:1,                ::1",
            "0:0:0:0:0:0:0:0,                ::",
            "fd00:0:0:1:0:0:0:0,             fd00:0:0:1::",
            "2001:0db8:0000:0000:0000:ff00:0042:8329, 2001:db8::ff00:42:8329",
    })
    void formats_canonically(String in, String out) {
        assertEquals(out, IpAddresses.format(IpAddresses.parse(in).orElseThrow()));
    }

    /**
     * The IPv4 check without a regular expression accepts exactly what the pattern it replaced accepted, over every
     * octet from 0 to 300 written with and without leading zeros, and over seeded random text of digits and dots.
     */
    @org.junit.jupiter.api.Test
    void the_dotted_quad_check_accepts_what_the_strict_pattern_did() {
        java.util.regex.Pattern strict = java.util.regex.Pattern.compile(
                "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
        java.util.List<String> texts = new java.util.ArrayList<>();
        for (int v = 0; v <= 300; v++) {
            for (String octet : new String[] {Integer.toString(v), "0" + v, "00" + v}) {
                texts.add(octet + ".1.2.3");
                texts.add("1.2.3." + octet);
                texts.add("10." + octet + ".0.1");
            }
        }
        java.util.Random r = new java.util.Random(7);
        String alphabet = "0123456789..";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(17);
            for (int k = 0; k < len; k++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            texts.add(b.toString());
        }
        int accepted = 0;
        for (String t : texts) {
            boolean expected = strict.matcher(t).matches();
            assertEquals(expected, IpAddresses.dottedQuad(t), t);
            if (expected) accepted++;
        }
        assertTrue(accepted > 1000, "the sample holds enough addresses: " + accepted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.test", "10.96.300.1", "10.96.0", "1.2.3.4.5", "fe80::1%eth0", "::g", "01.2.3.4"})
    void rejects_what_is_not_an_ip_literal(String text) {
        assertTrue(IpAddresses.parse(text).isEmpty(), text);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"10.1.2.3/8, 10.0.0.0/8", "2001:db8::1/32, 2001:db8::/32", "192.0.2.7, 192.0.2.7/32"})
    void cidrs_are_masked_to_their_network(String in, String out) {
        assertEquals(out, Cidr.parse(in).orElseThrow().toString());
    }

    /** The order every table is kept in: IPv4 before IPv6, then address bytes as unsigned numbers (128.x after 127.x). */
    @org.junit.jupiter.api.Test
    void addresses_order_by_family_then_unsigned_bytes() {
        java.util.List<String> sorted = java.util.List.of("0.0.0.0", "1.2.3.4", "10.96.0.1", "127.255.255.255", "128.0.0.0", "192.168.0.1",
                "255.255.255.255", "::", "::1", "fd00::1", "ffff::1");
        java.util.List<java.net.InetAddress> shuffled = new java.util.ArrayList<>(sorted.stream().map(t -> IpAddresses.parse(t).orElseThrow()).toList());
        java.util.Collections.shuffle(shuffled, new java.util.Random(7));
        shuffled.sort(IpAddresses::compare);
        assertEquals(sorted, shuffled.stream().map(IpAddresses::format).toList());
        assertEquals(0xc0a80001, IpAddresses.v4Bits((java.net.Inet4Address) IpAddresses.parse("192.168.0.1").orElseThrow()));
    }
}
