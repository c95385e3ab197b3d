package dev.kpf.dataplane.bpf;

import java.util.BitSet;

/**
 * Hands out ids from 1 to a limit in rising order, wrapping around and skipping ids in use: a freed id is reused only
 * after all the others have been handed out (16,777,215 backends, or 65,534 frontends, later), so an id freed in one
 * sync is never taken in the same sync and a slot read a moment ago never changes meaning under its reader.
 * Long-lived holders (affinity entries, sockets' rev-NAT entries) are checked in the programs as well. After a
 * restart the next id follows the highest one in use. The ids in use are a bit set (at most 2 MB at the limit).
 */
final class IdAllocator {
    /** The highest backend id handed out: below the self-test's reserved id, and small enough for a bit set. */
    static final int BACKEND_LIMIT = (1 << 24) - 1;

    private final int limit;
    private final BitSet used = new BitSet();
    private int inUse;
    private int next = 1;

    /** @param limit the highest id handed out */
    IdAllocator(int limit) {
        this.limit = limit;
    }

    int allocate() {
        if (inUse >= limit) throw new IllegalStateException("all " + limit + " ids are in use");
        int id = used.nextClearBit(next);
        if (id > limit) id = used.nextClearBit(1);
        used.set(id);
        inUse++;
        next = id >= limit ? 1 : id + 1;
        return id;
    }

    /** How many ids can still be handed out. */
    int free() {
        return limit - inUse;
    }

    void release(int id) {
        if (id > 0 && used.get(id)) {
            used.clear(id);
            inUse--;
        }
    }

    /**
     * Goes on from where {@code earlier} was (the same ids after a re-read of the maps), also when it had wrapped
     * around: an id freed before the re-read comes back only after all the others.
     */
    void continueFrom(IdAllocator earlier) {
        next = earlier.next;
    }

    /** An id found in use (in the maps of an earlier agent): the next one handed out follows it. */
    void mark(int id) {
        if (id <= 0 || id > limit) return; // not one of ours (the self-test's are above the limit)
        if (!used.get(id)) {
            used.set(id);
            inUse++;
        }
        if (id >= next && id < limit) next = id + 1;
    }
}
