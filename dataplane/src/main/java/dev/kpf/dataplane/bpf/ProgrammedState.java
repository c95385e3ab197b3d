package dev.kpf.dataplane.bpf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent's mirror of what the maps hold, so each sync writes only differences. Built from the maps themselves
 * when an agent adopts pins left by an earlier one; ids are allocated lowest-free.
 */
final class ProgrammedState {
    /** A frontend as written: its slot-0 value, its backend ids in slot order, its name and the service it belongs to. */
    record Frontend(SvcValue service, int[] backendIds, String name, String owner) {}

    /** A backend identity: address, port, IP protocol number. */
    record BackendKey(InetAddress address, int port, int protocol) {}

    /** A rev-NAT identity: frontend address, port, IP protocol number (shared by both scopes). */
    record RevKey(InetAddress address, int port, int protocol) {}

    final Map<SvcKey, Frontend> frontends = new HashMap<>();
    final Map<BackendKey, Integer> backendIds = new HashMap<>();
    final Map<Integer, BackendValue> backends4 = new HashMap<>();
    final Map<Integer, BackendValue> backends6 = new HashMap<>();
    final Map<RevKey, Integer> revNatIds = new HashMap<>();
    final Map<Integer, String> names = new HashMap<>();
    /** How many frontend entries refer to each backend and each rev-NAT id; at zero they are deleted. */
    final Map<BackendKey, Integer> backendRefs = new HashMap<>();
    final Map<RevKey, Integer> revNatRefs = new HashMap<>();
    private final BitSet usedBackend4 = new BitSet();
    private final BitSet usedBackend6 = new BitSet();
    private final BitSet usedRevNat = new BitSet();

    static boolean v4(InetAddress a) {
        return a instanceof Inet4Address;
    }

    Map<Integer, BackendValue> backends(InetAddress a) {
        return v4(a) ? backends4 : backends6;
    }

    int allocateBackend(InetAddress a) {
        BitSet used = v4(a) ? usedBackend4 : usedBackend6;
        int id = used.nextClearBit(1);
        used.set(id);
        return id;
    }

    void releaseBackend(InetAddress a, int id) {
        (v4(a) ? usedBackend4 : usedBackend6).clear(id);
    }

    void markBackend(InetAddress a, int id) {
        (v4(a) ? usedBackend4 : usedBackend6).set(id);
    }

    int allocateRevNat() {
        int id = usedRevNat.nextClearBit(1);
        if (id >= SelfTestFrontend.REV_NAT_ID) throw new IllegalStateException("more than 65534 frontends (rev-NAT ids are 16 bits; 65535 is the self-test's)");
        usedRevNat.set(id);
        return id;
    }

    void releaseRevNat(int id) {
        usedRevNat.clear(id);
    }

    void markRevNat(int id) {
        usedRevNat.set(id);
    }

    /** Entries of the svc maps: one per frontend plus one per slot, kept current by {@link #putFrontend}/{@link #removeFrontend}. */
    private long svcEntries4, svcEntries6;

    long svcEntries(boolean v4) {
        return v4 ? svcEntries4 : svcEntries6;
    }

    void putFrontend(SvcKey key, Frontend f) {
        Frontend old = frontends.put(key, f);
        count(key, old, -1);
        count(key, f, 1);
    }

    Frontend removeFrontend(SvcKey key) {
        Frontend old = frontends.remove(key);
        count(key, old, -1);
        return old;
    }

    private void count(SvcKey key, Frontend f, int sign) {
        if (f == null) return;
        long n = sign * (1L + f.backendIds().length);
        if (v4(key.address())) svcEntries4 += n; else svcEntries6 += n;
    }
}
