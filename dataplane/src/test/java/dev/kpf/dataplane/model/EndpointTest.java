package dev.kpf.dataplane.model;

import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An endpoint keeps its pod's name packed beside its conditions and means what the record it replaced meant: every
 * part comes back as given, and two endpoints are equal (with equal hashes) and print exactly as two records of the
 * same parts would, whatever the pod's name and conditions.
 */
class EndpointTest {
    /** The record Endpoint was, as the reference. */
    private record Reference(IpAddress ip, boolean ready, boolean serving, boolean terminating, String nodeName, String zone,
                             Set<String> hintZones, Set<String> hintNodes, PodName pod) {
        Endpoint endpoint() {
            return new Endpoint(ip, ready, serving, terminating, nodeName, zone, hintZones, hintNodes, pod);
        }

        static Reference of(Endpoint e) {
            return new Reference(e.ip(), e.ready(), e.serving(), e.terminating(), e.nodeName(), e.zone(), e.hintZones(), e.hintNodes(), e.pod());
        }
    }

    private static final List<IpAddress> ADDRESSES = List.of(IpAddress.of(IpAddresses.parse("10.0.0.1").orElseThrow()),
            IpAddress.of(IpAddresses.parse("10.0.0.2").orElseThrow()), IpAddress.of(IpAddresses.parse("fd00::1").orElseThrow()));
    private static final List<Set<String>> HINTS = List.of(Set.of(), Set.of("zone-a"), Set.of("zone-a", "zone-b"), Set.of("node-1"));

    /** Few values per part, so that equal and nearly equal endpoints both occur; pod names of every shape. */
    private static Reference random(Random r) {
        return new Reference(ADDRESSES.get(r.nextInt(ADDRESSES.size())), r.nextBoolean(), r.nextBoolean(), r.nextBoolean(),
                r.nextInt(4) == 0 ? null : r.nextBoolean() ? "node-1" : "", r.nextInt(4) == 0 ? null : r.nextBoolean() ? "zone-a" : "",
                HINTS.get(r.nextInt(HINTS.size())), HINTS.get(r.nextInt(HINTS.size())),
                PodName.of(r.nextInt(3) == 0 ? "" : r.nextBoolean() ? "web-5d8b9c7f4b-x2k4p" : PodNameTest.name(r)));
    }

    @Test
    void every_part_comes_back_and_equality_hash_and_text_are_the_records() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            List<Reference> refs = new ArrayList<>();
            for (int i = 0; i < 80; i++) refs.add(random(r));
            for (Reference a : refs) {
                Endpoint e = a.endpoint();
                assertEquals(a, Reference.of(e), "seed " + seed);
                assertEquals(a.pod().toString(), e.pod().toString(), "seed " + seed);
                assertEquals(a.toString().replace("Reference[", "Endpoint["), e.toString(), "seed " + seed);
                for (Reference c : refs) {
                    Endpoint f = c.endpoint();
                    assertEquals(a.equals(c), e.equals(f), "seed " + seed + ": " + a + " vs " + c);
                    assertEquals(a.pod().equals(c.pod()), e.samePod(f), "seed " + seed + ": " + a.pod() + " vs " + c.pod());
                    if (e.equals(f)) assertEquals(e.hashCode(), f.hashCode(), "seed " + seed + ": " + a);
                    if (e.samePod(f)) assertEquals(e.podHashCode(), f.podHashCode(), "seed " + seed + ": " + a.pod());
                }
            }
        }
    }

    @Test
    void hints_are_copies_and_address_and_pod_are_required() {
        Set<String> zones = new java.util.HashSet<>(Set.of("zone-a"));
        Endpoint e = new Endpoint(ADDRESSES.get(0), true, true, false, "node-1", "zone-a", zones, Set.of(), PodName.NONE);
        zones.add("zone-b");
        assertEquals(Set.of("zone-a"), e.hintZones());
        assertThrows(NullPointerException.class, () -> new Endpoint((IpAddress) null, true, true, false, "", "", Set.of(), Set.of(), PodName.NONE));
        assertThrows(NullPointerException.class, () -> new Endpoint(ADDRESSES.get(0), true, true, false, "", "", Set.of(), Set.of(), (PodName) null));
    }
}
