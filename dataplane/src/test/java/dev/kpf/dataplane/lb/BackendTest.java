package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A backend packs port, protocol, state and locality into one int and means what the record it replaced meant:
 * every part comes back as given, and two backends are equal (with equal hashes), print and sort exactly as two
 * records of the same parts would.
 */
class BackendTest {
    /** The record Backend was, as the reference. */
    private record Reference(IpAddress address, int port, Protocol protocol, Backend.State state, boolean local,
                             String nodeName, String zone, PodName pod) {
        Backend backend() {
            return new Backend(address, port, protocol, state, local, nodeName, zone, pod);
        }
    }

    private static final List<IpAddress> ADDRESSES = List.of(IpAddress.of(ip("10.0.0.1")), IpAddress.of(ip("10.0.0.2")),
            IpAddress.of(ip("fd00::1")), IpAddress.of(ip("0.0.0.0")));
    private static final int[] PORTS = {0, 1, 80, 8080, 65535};

    private static InetAddress ip(String s) {
        return IpAddresses.parse(s).orElseThrow();
    }

    private static Reference random(Random r) {
        return new Reference(ADDRESSES.get(r.nextInt(ADDRESSES.size())), PORTS[r.nextInt(PORTS.length)],
                Protocol.values()[r.nextInt(Protocol.values().length)], Backend.State.values()[r.nextInt(2)], r.nextBoolean(),
                r.nextBoolean() ? "node-a" : "", r.nextBoolean() ? "zone-1" : "", PodName.of(r.nextBoolean() ? "web-1" : ""));
    }

    @Test
    void every_part_comes_back_and_equality_hash_order_and_text_are_the_records() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            List<Reference> refs = new ArrayList<>();
            for (int i = 0; i < 60; i++) refs.add(random(r));
            for (Reference a : refs) {
                Backend b = a.backend();
                assertEquals(a.address().toInetAddress(), b.address(), "seed " + seed);
                assertEquals(a, new Reference(b.ip(), b.port(), b.protocol(), b.state(), b.local(), b.nodeName(), b.zone(), b.pod()),
                        "seed " + seed);
                assertEquals(a.toString().replace("Reference[", "Backend["), b.toString());
                for (Reference c : refs) {
                    Backend d = c.backend();
                    assertEquals(a.equals(c), b.equals(d), "seed " + seed + ": " + a + " vs " + c);
                    if (b.equals(d)) assertEquals(b.hashCode(), d.hashCode());
                    int byRecord = IpAddresses.compare(a.address().toInetAddress(), c.address().toInetAddress());
                    if (byRecord == 0) byRecord = Integer.compare(a.port(), c.port());
                    assertEquals(Integer.signum(byRecord), Integer.signum(b.compareTo(d)));
                }
            }
        }
    }

    @Test
    void a_backend_of_an_endpoint_is_the_backend_of_its_parts_whatever_the_endpoints_conditions_and_hints() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            for (int i = 0; i < 60; i++) {
                Reference a = random(r);
                EndpointSlice.Endpoint e = new EndpointSlice.Endpoint(a.address(), r.nextBoolean(), r.nextBoolean(), r.nextBoolean(),
                        a.nodeName(), a.zone(), r.nextBoolean() ? Set.of("zone-1") : Set.of(), Set.of(), a.pod());
                Backend b = new Backend(e, a.port(), a.protocol(), a.state(), a.local());
                assertSame(e.ip(), b.ip(), "seed " + seed);
                assertEquals(a.backend(), b, "seed " + seed);
                assertEquals(a.backend().hashCode(), b.hashCode(), "seed " + seed);
                assertEquals(a.backend().toString(), b.toString(), "seed " + seed);
            }
        }
    }

    @Test
    void a_port_outside_16_bits_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new Backend(ip("10.0.0.1"), 65536, Protocol.TCP, Backend.State.READY, false, "", "", ""));
        assertThrows(IllegalArgumentException.class, () -> new Backend(ip("10.0.0.1"), -1, Protocol.TCP, Backend.State.READY, false, "", "", ""));
        assertThrows(NullPointerException.class, () -> new Backend(ip("10.0.0.1"), 80, Protocol.TCP, Backend.State.READY, false, "", "", (PodName) null));
    }
}
