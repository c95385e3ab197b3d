package dev.kpf.dataplane.bpf;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out ids from 1 to a limit in rising order, wrapping around and skipping ids in use: a freed id is reused only
 * after all the others have been handed out (about two billion backends, or 65,534 frontends, later), so an id
 * freed in one sync is never taken in the same sync and a slot read a moment ago never changes meaning under its
 * reader. Long-lived holders (affinity entries, sockets' rev-NAT entries) are checked in the programs as well.
 * After a restart the next id follows the highest one in use.
 */
final class IdAllocator {
    private final int limit;
    private final Set<Integer> used = new HashSet<>();
    private int next = 1;

    /** @param limit the highest id handed out */
    IdAllocator(int limit) {
        this.limit = limit;
    }

    int allocate() {
        if (used.size() >= limit) throw new IllegalStateException("all " + limit + " ids are in use");
        while (used.contains(next)) next = next >= limit ? 1 : next + 1;
        int id = next;
        used.add(id);
        next = id >= limit ? 1 : id + 1;
        return id;
    }

    void release(int id) {
        used.remove(id);
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
        used.add(id);
        if (id >= next && id < limit) next = id + 1;
    }
}
