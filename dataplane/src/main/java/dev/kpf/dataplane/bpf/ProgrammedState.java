package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.IpAddress;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent's mirror of what the maps hold, so each sync writes only differences. Built from the maps themselves
 * when an agent adopts pins left by an earlier one. Ids are handed out in rising order and wrap around
 * ({@link IdAllocator}), so a freed id is taken again only after every other id has been: never within a sync, and a
 * reader that read a slot a moment ago finds the backend it meant or none.
 */
final class ProgrammedState {
    /**
     * A frontend as written: its slot-0 value, its backend ids in slot order and the service it belongs to (the
     * table's reference to it, so that 13,000 frontends do not hold 13,000 {@code namespace/name} texts: 0.7 MB at
     * 10,000 x 10; read back from its name, or null when the name has none). Its name is {@link #names}' by rev-NAT id.
     */
    record Frontend(SvcValue service, int[] backendIds, dev.kpf.dataplane.model.ObjectRef owner) {}

    /** A backend identity: address, port, IP protocol number. */
    record BackendKey(IpAddress address, int port, int protocol) {}

    /** A rev-NAT identity: frontend address, port, IP protocol number (shared by both scopes). */
    record RevKey(InetAddress address, int port, int protocol) {
        // written out: a record's generated methods run as method handles until the JIT compiles them (a lookup per
        // frontend in a cold first sync)
        @Override
        public boolean equals(Object o) {
            return o instanceof RevKey k && k.port == port && k.protocol == protocol && k.address.equals(address);
        }

        @Override
        public int hashCode() {
            return (address.hashCode() * 31 + port) * 31 + protocol;
        }
    }

    final Map<SvcKey, Frontend> frontends = new HashMap<>();
    final BackendMirror backends = new BackendMirror();
    final Map<RevKey, Integer> revNatIds = new HashMap<>();
    final Map<Integer, String> names = new HashMap<>();
    /** How many frontend entries refer to each backend id ({@link #ref}) and each rev-NAT identity; at zero they are deleted. */
    final RefCounts backendRefs = new RefCounts();
    final Map<RevKey, Integer> revNatRefs = new HashMap<>();
    /** Entries found in the maps that nothing refers to (left by a write that failed midway): a full apply deletes them. */
    final java.util.List<SvcKey> orphanSlots = new java.util.ArrayList<>();
    final java.util.List<Integer> orphanNames = new java.util.ArrayList<>();
    /**
     * Read back from the maps: rev-NAT ids no frontend used or a second id of one identity, and backend ids no slot used
     * then (IPv6 ones as {@code ~id}): the next full sync deletes those still unused after its writes.
     */
    final java.util.List<RevNatId> unusedRevNats = new java.util.ArrayList<>();
    final java.util.List<Integer> unusedBackends = new java.util.ArrayList<>();

    /** A rev-NAT id with its family. */
    record RevNatId(int id, boolean v4) {}

    /** A backend id with its family, as reference counts and orphan checks key it. */
    static long ref(InetAddress family, int id) {
        return ref(v4(family), id);
    }

    static long ref(IpAddress family, int id) {
        return ref(family.isV4(), id);
    }

    static long ref(boolean v4, int id) {
        return (v4 ? 0L : 1L << 32) | Integer.toUnsignedLong(id);
    }
    /** How many frontends with ClientIP affinity list each backend (kpf_aff_member entries: at zero they are deleted). */
    final Map<MemberKey, Integer> memberRefs = new HashMap<>();
    private final IdAllocator backendIds4 = new IdAllocator(IdAllocator.BACKEND_LIMIT);
    private final IdAllocator backendIds6 = new IdAllocator(IdAllocator.BACKEND_LIMIT);
    private final IdAllocator revNatIdsInUse = new IdAllocator(SelfTestFrontend.REV_NAT_ID - 1);

    static boolean v4(InetAddress a) {
        return a instanceof Inet4Address;
    }

    static boolean v4(IpAddress a) {
        return a.isV4();
    }

    private IdAllocator backendAllocator(boolean v4) {
        return v4 ? backendIds4 : backendIds6;
    }

    int allocateBackend(IpAddress a) {
        return backendAllocator(a.isV4()).allocate();
    }

    void releaseBackend(boolean v4, int id) {
        backendAllocator(v4).release(id);
    }

    void markBackend(IpAddress a, int id) {
        backendAllocator(a.isV4()).mark(id);
    }

    /** Ids go on from where {@code earlier}'s allocators were: a re-read of the maps never hands out an id freed before it. */
    void continueFrom(ProgrammedState earlier) {
        backendIds4.continueFrom(earlier.backendIds4);
        backendIds6.continueFrom(earlier.backendIds6);
        revNatIdsInUse.continueFrom(earlier.revNatIdsInUse);
    }

    /** How many more rev-NAT ids can be handed out. */
    int freeRevNatIds() {
        return revNatIdsInUse.free();
    }

    int allocateRevNat() {
        try {
            return revNatIdsInUse.allocate();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("more than 65534 frontends (rev-NAT ids are 16 bits; 65535 is the self-test's)", e);
        }
    }

    void releaseRevNat(int id) {
        revNatIdsInUse.release(id);
    }

    void markRevNat(int id) {
        revNatIdsInUse.mark(id);
    }

    /** Entries of the svc maps: one per frontend plus one per slot, kept current by {@link #putFrontend}/{@link #removeFrontend}. */
    private long svcEntries4, svcEntries6;

    long svcEntries(boolean v4) {
        return v4 ? svcEntries4 : svcEntries6;
    }

    /** Makes room for {@code total4} IPv4 and {@code total6} IPv6 backends in all (mirror and reference counts). */
    void reserve(int total4, int total6) {
        backends.reserve(total4, total6);
        backendRefs.reserve(total4 + total6);
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
