package dev.kpf.dataplane.load;

import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slice decoded again keeps the instances of its previous version wherever they are equal, under seeded random
 * sequences of slice versions as a decoder makes them (every address a new object): after every step the result
 * equals the new decode, every endpoint equal to one before is that instance, and every endpoint whose address was
 * there before holds that address instance (and the pod name's, when equal).
 */
class EndpointReuseTest {
    private static final String[] NODES = {"node-a", "node-b", "node-c"};

    /** A new address object each call, as the decoder makes them. */
    private static InetAddress address(int n, IpFamily family) throws UnknownHostException {
        byte[] b = family == IpFamily.IPv4 ? new byte[] {10, 1, 0, (byte) n} : new byte[16];
        if (family == IpFamily.IPv6) {
            b[0] = (byte) 0xfd;
            b[15] = (byte) n;
        }
        return InetAddress.getByAddress(b);
    }

    private static Endpoint endpoint(Random r, int n, IpFamily family) throws UnknownHostException {
        boolean ready = r.nextInt(4) != 0;
        return new Endpoint(address(n, family), ready, ready || r.nextBoolean(), !ready && r.nextBoolean(), NODES[r.nextInt(NODES.length)],
                r.nextBoolean() ? "zone-1" : "", r.nextInt(3) == 0 ? Set.of("zone-1") : Set.of(), Set.of(),
                r.nextInt(5) == 0 ? "" : new String("web-" + n + (r.nextInt(4) == 0 ? "-x" : "")));
    }

    /** The next version: each endpoint of a fresh decode is either redrawn (maybe equal) or copied as equal new objects. */
    private static EndpointSlice next(Random r, EndpointSlice before, IpFamily family) throws UnknownHostException {
        List<Endpoint> out = new ArrayList<>();
        for (Endpoint e : before.endpoints()) {
            int n = e.address().getAddress()[e.address().getAddress().length - 1] & 0xff;
            switch (r.nextInt(10)) {
                case 0 -> { } // gone
                case 1, 2 -> out.add(endpoint(r, n, family));
                default -> out.add(new Endpoint(address(n, family), e.ready(), e.serving(), e.terminating(), e.nodeName(), e.zone(),
                        e.hintZones(), e.hintNodes(), PodName.of(new String(e.pod().toString()))));
            }
        }
        for (int k = r.nextInt(3); k > 0; k--) out.add(r.nextInt(out.size() + 1), endpoint(r, r.nextInt(24), family));
        return slice(out, family);
    }

    private static EndpointSlice slice(List<Endpoint> endpoints, IpFamily family) {
        return new EndpointSlice("shop", "web-abc", "web", family, List.of(new EndpointSlice.Port("http", Protocol.TCP, 8080)), endpoints);
    }

    @Test
    void a_slice_decoded_again_keeps_its_previous_instances_wherever_they_are_equal() throws UnknownHostException {
        int reused = 0, addressesKept = 0, prefixesShared = 0;
        for (long seed = 1; seed <= 10; seed++) {
            Random r = new Random(seed);
            IpFamily family = seed % 2 == 0 ? IpFamily.IPv6 : IpFamily.IPv4;
            List<Endpoint> first = new ArrayList<>();
            for (int i = 0; i < 8; i++) first.add(endpoint(r, i, family));
            EndpointSlice previous = slice(first, family);
            for (int step = 0; step < 300; step++) {
                EndpointSlice decoded = next(r, previous, family);
                EndpointSlice kept = EndpointReuse.keepEqualInstances(decoded, previous);
                String what = "seed " + seed + " step " + step;
                assertEquals(decoded, kept, what);
                // every pod name prefix the previous version had is that version's instance (pods replaced one by one
                // do not wear the sharing away)
                Map<String, Set<String>> previousPrefixes = new HashMap<>();
                for (Endpoint p : previous.endpoints()) {
                    previousPrefixes.computeIfAbsent(p.pod().prefix(), x -> java.util.Collections.newSetFromMap(new IdentityHashMap<>())).add(p.pod().prefix());
                }
                for (Endpoint e : kept.endpoints()) {
                    if (e.pod().toString().equals(e.pod().prefix())) continue; // kept whole: no shared prefix
                    Set<String> instances = previousPrefixes.get(e.pod().prefix());
                    if (instances != null) {
                        assertTrue(instances.contains(e.pod().prefix()), what + ": " + e.pod() + " holds a prefix instance of its own");
                        prefixesShared++;
                    }
                }
                for (Endpoint e : kept.endpoints()) {
                    Endpoint before = previous.endpoints().stream().filter(p -> p.ip().equals(e.ip())).findFirst().orElse(null);
                    if (before == null) continue;
                    if (before.equals(e)) {
                        assertSame(before, e, what + ": " + e + " equal to the previous version's and not that instance");
                        reused++;
                    } else {
                        assertSame(before.ip(), e.ip(), what + ": " + e + " changed and does not hold the previous address instance");
                        // an endpoint holds its pod's name as a prefix instance and a packed part: the prefix is shared
                        if (before.samePod(e)) assertSame(before.pod().prefix(), e.pod().prefix(), what + ": pod name not shared");
                        addressesKept++;
                    }
                }
                previous = kept;
            }
        }
        // the sequences exercise both paths (a check that never runs proves nothing)
        assertTrue(reused > 1000, "endpoints reused: " + reused);
        assertTrue(addressesKept > 500, "changed endpoints holding the previous address: " + addressesKept);
        assertTrue(prefixesShared > 5000, "pod names holding a previous prefix instance: " + prefixesShared);
    }

    @Test
    void a_first_decode_and_an_unrelated_previous_version_leave_the_slice_as_it_is() throws UnknownHostException {
        Random r = new Random(7);
        EndpointSlice s = slice(List.of(endpoint(r, 1, IpFamily.IPv4), endpoint(r, 2, IpFamily.IPv4)), IpFamily.IPv4);
        assertSame(s, EndpointReuse.keepEqualInstances(s, null));
        EndpointSlice other = slice(List.of(endpoint(r, 9, IpFamily.IPv4)), IpFamily.IPv4);
        EndpointSlice kept = EndpointReuse.keepEqualInstances(s, other);
        assertEquals(s, kept);
        for (int i = 0; i < s.endpoints().size(); i++) {
            // nothing of the unrelated version but a pod name prefix equal to its own (web-9 and web-1: "web")
            assertSame(s.endpoints().get(i).ip(), kept.endpoints().get(i).ip());
            String prefix = s.endpoints().get(i).pod().prefix(), otherPrefix = other.endpoints().getFirst().pod().prefix();
            boolean shared = prefix.equals(otherPrefix) && !otherPrefix.equals(other.endpoints().getFirst().pod().toString());
            assertSame(shared ? otherPrefix : prefix, kept.endpoints().get(i).pod().prefix(), s.endpoints().get(i).pod() + " / " + other.endpoints().getFirst().pod());
        }
    }
}
