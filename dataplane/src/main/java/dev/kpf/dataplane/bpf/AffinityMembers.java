package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.Problem;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.MapAccess;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kpf_aff_member, the backends each entry of a frontend with ClientIP affinity lists, which the programs check an
 * affinity entry against, and the affinity entries themselves once their backend left: the writer's part of "an
 * affinity entry never sends a client to a backend that is not its frontend's". Reference counts live in
 * {@link ProgrammedState#memberRefs}; this keeps what the map holds and queues the writes.
 */
final class AffinityMembers {
    private final MapAccess<MemberKey, Byte> members;
    private final MapAccess<AffinityKey, AffinityValue> affinity;
    /** The kpf_aff_member entries the map holds. */
    private final Set<MemberKey> entries = new HashSet<>();
    /** Set when a sync removed members: affinity entries pointing at them are deleted after the flush. */
    private boolean purge;

    AffinityMembers(MapAccess<MemberKey, Byte> members, MapAccess<AffinityKey, AffinityValue> affinity) {
        this.members = members;
        this.affinity = affinity;
    }

    /** Reads what the map holds (with the rest of the mirror). */
    void reread() {
        entries.clear();
        entries.addAll(members.entries().keySet());
    }

    int size() {
        return entries.size();
    }

    MapAccess<MemberKey, Byte> map() {
        return members;
    }

    /** One more affinity frontend entry lists this backend; written before the frontend's entry points at it. */
    void add(ProgrammedState state, MemberKey m, PhasedWrites writes) {
        if (state.memberRefs.merge(m, 1, Integer::sum) == 1 && entries.add(m)) writes.update(PhasedWrites.BACKENDS, members, m, (byte) 1);
    }

    /** One less lists it; at none its entry goes, after the frontend stopped using it. */
    void drop(ProgrammedState state, MemberKey m, PhasedWrites writes) {
        Integer left = state.memberRefs.merge(m, -1, Integer::sum);
        if (left != null && left > 0) return;
        state.memberRefs.remove(m);
        dropEntry(m, writes);
    }

    private void dropEntry(MemberKey m, PhasedWrites writes) {
        if (!entries.remove(m)) return;
        writes.delete(PhasedWrites.DELETE_SLOTS, members, m);
        purge = true;
    }

    /** A full sync: entries no frontend lists go, entries a frontend lists but the map lacks are written. */
    void reconcile(ProgrammedState state, PhasedWrites writes) {
        for (MemberKey m : new ArrayList<>(entries)) if (!state.memberRefs.containsKey(m)) dropEntry(m, writes);
        // maps of a kpf without kpf_aff_member, or a lost write
        for (MemberKey m : state.memberRefs.keySet()) if (entries.add(m)) writes.update(PhasedWrites.BACKENDS, members, m, (byte) 1);
    }

    /**
     * After a flush that removed members: deletes the affinity entries whose backend is no longer one of their
     * frontend's (the programs ignore them already; this frees them for other clients). A client that connected again
     * between the read and the delete loses its fresh entry once and gets a new backend.
     */
    void purgeAfterFlush(ProgrammedState state, List<Problem> errors) {
        if (!purge) return;
        purge = false;
        try {
            List<AffinityKey> gone = new ArrayList<>();
            for (Map.Entry<AffinityKey, AffinityValue> e : affinity.entries().entrySet()) {
                AffinityKey k = e.getKey();
                boolean v4 = k.family() == 4;
                int id = e.getValue().backendId();
                if (!state.memberRefs.containsKey(MemberKey.of(k.revNatId(), MapLayout.SCOPE_EXTERNAL, v4, id))
                        && !state.memberRefs.containsKey(MemberKey.of(k.revNatId(), MapLayout.SCOPE_INTERNAL, v4, id))) gone.add(k);
            }
            if (!gone.isEmpty()) affinity.deleteBatch(gone);
        } catch (BpfException e) {
            errors.add(new Problem("", "maps", "could not drop affinity entries of backends that left (the programs ignore them): " + e.getMessage()));
        }
    }
}
