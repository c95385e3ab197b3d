package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An entry's backends kept as arrays are the list they were given: the same backends in the same order, equal (with
 * equal hashes) to exactly the lists that list is equal to, compact or not, and immutable.
 */
class BackendListTest {
    private static final List<IpAddress> ADDRESSES = List.of(ip("10.0.0.1"), ip("10.0.0.2"), ip("fd00::1"));

    private static IpAddress ip(String s) {
        return IpAddress.of(IpAddresses.parse(s).orElseThrow());
    }

    /** Few values per part, so that equal and nearly equal lists both occur; backends of endpoints and of parts. */
    private static List<Backend> random(Random r) {
        List<Backend> out = new ArrayList<>();
        for (int n = r.nextInt(5); n > 0; n--) {
            IpAddress a = ADDRESSES.get(r.nextInt(ADDRESSES.size()));
            int port = r.nextBoolean() ? 80 : 8080;
            Backend.State state = r.nextInt(4) == 0 ? Backend.State.TERMINATING : Backend.State.READY;
            boolean local = r.nextBoolean();
            String node = r.nextBoolean() ? "node-a" : "", zone = r.nextBoolean() ? "zone-1" : "";
            PodName pod = PodName.of(r.nextBoolean() ? "web-5d8b9c7f4b-x2k4p" : r.nextBoolean() ? "web-5d8b9c7f4b-q7m9z" : "");
            out.add(r.nextBoolean()
                    ? new Backend(new Endpoint(a, r.nextBoolean(), true, r.nextBoolean(), node, zone, Set.of(), Set.of(), pod), port, Protocol.TCP, state, local)
                    : new Backend(a, port, Protocol.TCP, state, local, node, zone, pod));
        }
        return out;
    }

    @Test
    void a_compact_list_is_the_list_it_was_given_in_equality_hash_order_and_text() {
        int compact = 0, equalPairs = 0;
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            List<List<Backend>> given = new ArrayList<>();
            for (int i = 0; i < 150; i++) given.add(random(r));
            List<List<Backend>> kept = given.stream().map(BackendList::copyOf).toList();
            for (int i = 0; i < given.size(); i++) {
                List<Backend> a = given.get(i), k = kept.get(i);
                if (k instanceof BackendList) compact++;
                assertEquals(a, k, "seed " + seed);
                assertEquals(k, a, "seed " + seed);
                assertEquals(a.hashCode(), k.hashCode(), "seed " + seed + ": " + a);
                assertEquals(a.toString(), k.toString(), "seed " + seed);
                for (int j = 0; j < a.size(); j++) assertEquals(a.get(j), k.get(j), "seed " + seed);
                for (int j = 0; j < given.size(); j++) {
                    boolean same = a.equals(given.get(j));
                    if (same) equalPairs++;
                    assertEquals(same, k.equals(kept.get(j)), "seed " + seed + ": " + a + " vs " + given.get(j));
                    assertEquals(same, k.equals(given.get(j)), "seed " + seed + ": " + a + " vs " + given.get(j));
                }
            }
        }
        // both kinds of list and both outcomes occur (a check that never runs proves nothing)
        assertTrue(compact > 1000, "compact lists: " + compact);
        assertTrue(equalPairs > 3000 + 20 * 150, "equal pairs beyond each list with itself: " + equalPairs);
    }

    @Test
    void a_compact_list_cannot_be_changed_and_refuses_null_backends() {
        Backend b = new Backend(ADDRESSES.get(0), 80, Protocol.TCP, Backend.State.READY, false, "", "", "");
        List<Backend> k = BackendList.copyOf(List.of(b, b, b));
        assertTrue(k instanceof BackendList);
        assertThrows(UnsupportedOperationException.class, () -> k.add(b));
        assertThrows(UnsupportedOperationException.class, () -> k.set(0, b));
        assertThrows(UnsupportedOperationException.class, () -> k.remove(0));
        List<Backend> withNull = new ArrayList<>(List.of(b, b));
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> BackendList.copyOf(withNull));
    }
}
