package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.MapAccess;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Programs kpf's maps to hold a table, writing only what differs from its mirror of them ({@link ProgrammedState}).
 * It knows nothing of the kernel beyond {@link MapAccess}: the datapath hands it the loaded object's maps, the tests
 * in-memory maps that check the readers' invariant after every single write.
 *
 * <p><b>The invariant.</b> At every instant between two syscalls of a sync (and inside a batch, whose entries the
 * kernel writes one by one), every frontend a reader can see resolves only to existing backends of its own Service,
 * as the table before or after the sync has them, or refuses when the Service has none; its rev-NAT entry shows its
 * own address, its Maglev table and source ranges are its own. An id never has two meanings for a reader: ids are
 * handed out in rising order and wrap around ({@link IdAllocator}), so none freed in a sync is taken in the same
 * sync and a slot read a moment ago finds its backend or nothing; the long-lived holders are checked by the programs
 * (an affinity entry only while kpf_aff_member lists its backend for that frontend entry, a socket's rev-NAT entry
 * only while the id still stands for the address it connected to).
 *
 * <p><b>How.</b> Writes are make-before-break, collected in phases ({@link PhasedWrites}): backends, rev-NAT entries,
 * source ranges and affinity members first, then a frontend's slots and Maglev table, then its slot-0 entry (which
 * switches readers to them), then slot-0 entries, slots, members and finally backends, rev-NAT entries, tables and
 * prefixes no longer used. A key is never written and deleted in one sync. A service that does not fit in the maps
 * is reported and not written at all; the rest is synced. A failed syscall stops the flush where it is (readers see
 * a mix of the two tables, each entry valid) and the mirror is read again from the maps, so the next sync writes
 * whatever is still missing and deletes what is left over. After the flush, affinity entries whose backend left
 * their frontend are deleted (the programs ignore them already).
 */
final class MapWriter {
    private final MapAccess<SvcKey, SvcValue> svc4, svc6;
    private final MapAccess<Integer, BackendValue> backends4, backends6;
    private final MapAccess<Integer, RevNatValue> revNat4, revNat6;
    private final MapAccess<Integer, String> names;
    private final MapAccess<long[], long[]> stats;
    private final MapAccess<Integer, int[]> maglev4;
    private final AffinityMembers members;
    private final MapCapacity capacity;
    private final boolean maglev;
    private final int maglevTableSize;
    /** The Maglev tables the maps hold, by rev-NAT id. */
    private final Map<Integer, int[]> maglevTables = new HashMap<>();
    /** The client prefixes of frontends with loadBalancerSourceRanges. */
    private final SourceRanges sourceRanges;
    /** UDP backends leaving their frontends, for the sockets to be let go. */
    private final GoneUdpBackends goneUdp = new GoneUdpBackends();
    /** The mirror of the maps; replaced by a fresh read of the maps when a write failed midway. */
    private ProgrammedState state;

    /**
     * @param maglev          whether external frontends pick backends in Maglev tables
     * @param maglevTableSize the tables' size (a prime)
     */
    MapWriter(WriterMaps maps, boolean maglev, int maglevTableSize) {
        svc4 = maps.svc4();
        svc6 = maps.svc6();
        backends4 = maps.backends4();
        backends6 = maps.backends6();
        revNat4 = maps.revNat4();
        revNat6 = maps.revNat6();
        names = maps.names();
        stats = maps.stats();
        sourceRanges = new SourceRanges(maps.sourceRanges4(), maps.sourceRanges6());
        maglev4 = maps.maglev4();
        members = new AffinityMembers(maps.members(), maps.affinity());
        capacity = new MapCapacity(maps, members);
        this.maglev = maglev;
        this.maglevTableSize = maglevTableSize;
        reread();
    }

    /**
     * Rebuilds every mirror from the maps: at start (adopting an earlier agent's maps), after a failed write, and
     * before a reconciling full apply, so that whatever the maps really hold is what the next sync starts from.
     */
    synchronized void reread() {
        stale = true; // until the maps were read whole
        backendGeneration++;
        ProgrammedState earlier = state;
        state = MirrorReader.read(svc4, svc6, backends4, backends6, revNat4, revNat6, names);
        if (earlier != null) state.continueFrom(earlier);
        sourceRanges.reread();
        maglevTables.clear();
        maglevTables.putAll(maglev4.entries());
        maglevTables.keySet().removeIf(SelfTestFrontend::reserved);
        members.reread();
        stale = false;
    }

    /** A read-back failed: the mirror cannot be trusted until the maps are read whole ({@link #apply} does it first). */
    private boolean stale;

    /** Makes the maps hold exactly {@code desired}, writing only what differs from what they hold. */
    synchronized SyncReport apply(LbTable desired) {
        if (stale) reread();
        long t0 = System.nanoTime();
        int[] counts = new int[4];
        List<Problem> errors = new ArrayList<>();
        PhasedWrites writes = new PhasedWrites();
        try {
            queueWhole(desired, counts, errors, writes);
        } catch (RuntimeException e) {
            return refused(e, t0);
        }
        flush(writes, errors);
        return new SyncReport(counts[0], counts[1], counts[2], counts[3], errors, Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Queues what makes the maps hold exactly {@code desired}. */
    private void queueWhole(LbTable desired, int[] counts, List<Problem> errors, PhasedWrites writes) {
        // only a frontend programmed before this sync can be one it deletes (into empty maps: none)
        List<SvcKey> programmed = new ArrayList<>(state.frontends.keySet());
        Demand most = new Demand();
        List<Want> wants = wants(desired.entries().values(), most);
        Set<ObjectRef> failed = writeServices(wants, most, counts, errors, writes);
        if (!programmed.isEmpty()) {
            Set<SvcKey> wanted = HashSet.newHashSet(wants.size());
            for (Want w : wants) wanted.add(w.key());
            for (SvcKey k : programmed) {
                ProgrammedState.Frontend f = state.frontends.get(k);
                if (f != null && !wanted.contains(k) && !failed.contains(f.owner())) deleteFrontend(k, counts, writes);
            }
        }
        dropUnreferenced(writes);
    }

    /**
     * A sync that would have broken one of the writer's own rules (e.g. a key both written and deleted) writes
     * nothing: the mirror, already changed, is read again from the maps and the error makes the next sync a whole one.
     */
    private SyncReport refused(RuntimeException e, long t0) {
        goneUdp.settle(state, false);
        reread();
        return new SyncReport(0, 0, 0, 0, List.of(new Problem("", "maps", "sync refused, nothing written; the next sync re-reads the maps "
                + "and writes everything again: " + e)), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** A full apply from what the maps really hold ({@link #reread} first): repairs what changed behind the writer's back. */
    synchronized SyncReport reconcile(LbTable desired) {
        reread();
        return apply(desired);
    }

    /**
     * Applies only a diff (as {@code IncrementalTranslator.sync()} returns it): the work is proportional to the
     * change, not to the table. The maps must already hold the table the diff starts from.
     */
    synchronized SyncReport applyChanges(dev.kpf.dataplane.lb.LbDiff diff) {
        long t0 = System.nanoTime();
        if (stale) {
            return new SyncReport(0, 0, 0, 0, List.of(new Problem("", "maps", "the maps could not be read back after a failed write: "
                    + "the next sync writes everything")), Duration.ofNanos(System.nanoTime() - t0));
        }
        int[] counts = new int[4];
        List<Problem> errors = new ArrayList<>();
        List<LbEntry> entries = new ArrayList<>(diff.added());
        diff.changed().forEach(c -> entries.add(c.after()));
        PhasedWrites writes = new PhasedWrites();
        try {
            Demand most = new Demand();
            Set<ObjectRef> failed = writeServices(wants(entries, most), most, counts, errors, writes);
            for (Frontend f : diff.removed()) {
                SvcKey k = Want.key(f);
                ProgrammedState.Frontend old = state.frontends.get(k);
                if (old != null && !failed.contains(old.owner())) deleteFrontend(k, counts, writes);
            }
        } catch (RuntimeException e) {
            return refused(e, t0);
        }
        flush(writes, errors);
        return new SyncReport(counts[0], counts[1], counts[2], counts[3], errors, Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * A full apply also removes what no frontend of the new state refers to but the maps still hold (Maglev tables,
     * affinity members and source ranges left by an agent that stopped midway, found by {@link #reread}) and writes
     * affinity members that are missing.
     */
    private void dropUnreferenced(PhasedWrites writes) {
        Set<Integer> maglevUsers = new HashSet<>();
        Set<SvcKey> rangeUsers = new HashSet<>();
        if (!maglevTables.isEmpty() || !sourceRanges.isEmpty()) {
            state.frontends.forEach((k, f) -> {
                if ((f.service().flags() & MapLayout.SVC_MAGLEV) != 0 && f.backendIds().length > 0) maglevUsers.add(f.service().revNatId());
                if ((f.service().flags() & MapLayout.SVC_SOURCE_RANGES) != 0) rangeUsers.add(k.withScope(MapLayout.SCOPE_EXTERNAL));
            });
        }
        for (Integer id : new ArrayList<>(maglevTables.keySet())) {
            if (!maglevUsers.contains(id)) {
                maglevTables.remove(id);
                writes.delete(PhasedWrites.DELETE_REFERENCED, maglev4, id);
            }
        }
        sourceRanges.dropAllBut(rangeUsers, writes);
        members.reconcile(state, writes);
        // slots, names, backends and rev-NAT entries of a write that failed midway
        for (SvcKey k : state.orphanSlots) {
            ProgrammedState.Frontend f = state.frontends.get(k.withSlot(0));
            if (f == null || k.slot() > f.backendIds().length) writes.delete(PhasedWrites.DELETE_SLOTS, svcMap(k.address()), k);
        }
        state.orphanSlots.clear();
        for (Integer id : state.orphanNames) {
            writes.delete(PhasedWrites.DELETE_REFERENCED, names, id);
            writes.delete(PhasedWrites.DELETE_REFERENCED, stats, new long[] {MapLayout.STAT_FRONTEND, id});
            state.releaseRevNat(id);
        }
        state.orphanNames.clear();
        // backend ids no slot uses (a backend written under a second id by a sync that failed midway, or left over)
        Set<Long> inTables = new HashSet<>();
        if (!state.unusedBackends.isEmpty()) {
            state.frontends.forEach((k, f) -> {
                int[] table = (f.service().flags() & MapLayout.SVC_MAGLEV) != 0 ? maglevTables.get(f.service().revNatId()) : null;
                if (table != null) for (int id : table) inTables.add(ProgrammedState.ref(k.address(), id));
            });
        }
        for (int tagged : state.unusedBackends) {
            boolean v4 = tagged >= 0;
            int id = v4 ? tagged : ~tagged;
            BackendValue v = state.backends.get(v4, id);
            // a Maglev table of a frontend this sync did not rewrite (it did not fit) may still name it
            if (v != null && !state.backendRefs.contains(ProgrammedState.ref(v.address(), id)) && !inTables.contains(ProgrammedState.ref(v.address(), id))) {
                state.backendRefs.set(ProgrammedState.ref(v.address(), id), 1);
                unrefBackend(v4, id, new int[4], writes);
            }
        }
        state.unusedBackends.clear();
        // rev-NAT ids no frontend uses after this sync's writes: unused ones of a read-back, and second ids of one identity
        if (!state.unusedRevNats.isEmpty()) {
            Set<Integer> inUse = new HashSet<>();
            state.frontends.values().forEach(f -> inUse.add(f.service().revNatId()));
            Map<Integer, ProgrammedState.RevKey> canonical = new HashMap<>();
            state.revNatIds.forEach((rk, id) -> canonical.put(id, rk));
            for (ProgrammedState.RevNatId r : state.unusedRevNats) {
                ProgrammedState.RevKey rk = canonical.get(r.id());
                if (rk != null) {
                    if (!state.revNatRefs.containsKey(rk)) {
                        state.revNatRefs.put(rk, 1);
                        unrefRevNat(rk, writes);
                    }
                } else if (!inUse.contains(r.id())) {
                    dropRevNat(r.id(), r.v4(), writes);
                    state.names.remove(r.id());
                    state.releaseRevNat(r.id());
                }
            }
            state.unusedRevNats.clear();
        }
    }

    /**
     * Writes everything collected, phase by phase, then drops the affinity entries of backends that left their
     * frontends. A failure here is unexpected (capacity was checked per service): it is reported, and the mirror no
     * longer matches the maps, so it is rebuilt from them.
     */
    private void flush(PhasedWrites writes, List<Problem> errors) {
        boolean written = true;
        try {
            writes.flush();
        } catch (BpfException e) {
            errors.add(new Problem("", "maps", "write failed, the next sync re-reads the maps and writes everything again: " + e.getMessage()));
            reread();
            written = false;
        }
        // a backend the maps (read again after a failure) no longer show in its frontend has left, whatever else failed
        goneUdp.settle(state, true);
        if (written) members.purgeAfterFlush(state, errors); // else the next flush does it
    }

    /**
     * Queues the entries: all of them in table order when even the most they could add fits the maps (the common
     * case: grouping 11,000 entries by service cost a cold first sync 10 % of its writes), else service by service
     * in namespace/name order, where a service that does not fit is reported and left as it was.
     */
    private Set<ObjectRef> writeServices(List<Want> wants, Demand most, int[] counts, List<Problem> errors, PhasedWrites writes) {
        if (capacity.fits(state, most)) {
            if (wants.size() >= 1024) state.reserve(Math.toIntExact(most.backends4), Math.toIntExact(most.backends6));
            for (Want w : wants) writeFrontend(w, counts, writes);
            return Set.of();
        }
        Map<ObjectRef, List<Want>> byService = new TreeMap<>();
        for (Want w : wants) byService.computeIfAbsent(w.owner(), k -> new ArrayList<>()).add(w);
        Set<ObjectRef> failed = new HashSet<>();
        for (Map.Entry<ObjectRef, List<Want>> svc : byService.entrySet()) {
            String problem = capacity.problem(state, svc.getValue());
            if (problem != null) {
                errors.add(new Problem(svc.getKey().toString(), "", problem));
                failed.add(svc.getKey());
                continue;
            }
            for (Want w : svc.getValue()) writeFrontend(w, counts, writes);
        }
        return failed;
    }

    /**
     * The entries' desired forms, and the most they could add in {@code most}; a large sync's backends are
     * reserved in the mirrors at once from it (counted once per frontend that lists them: a little more than there
     * are) rather than grown step by step.
     */
    private List<Want> wants(java.util.Collection<LbEntry> entries, Demand most) {
        List<Want> wants = new ArrayList<>(entries.size());
        for (LbEntry e : entries) wants.add(most.add(Want.of(e, maglev)));
        return wants;
    }

    private MapAccess<SvcKey, SvcValue> svcMap(InetAddress a) {
        return ProgrammedState.v4(a) ? svc4 : svc6;
    }

    private MapAccess<Integer, BackendValue> backendMap(boolean v4) {
        return v4 ? backends4 : backends6;
    }

    /** Writes one frontend make-before-break, then drops what it no longer refers to. */
    private void writeFrontend(Want w, int[] counts, PhasedWrites writes) {
        InetAddress addr = w.key().address();
        // make: the client prefixes (both scopes' entries check those of the external key)
        if (w.key().scope() == MapLayout.SCOPE_EXTERNAL) sourceRanges.write(w.key(), w.ranges(), writes);
        // make: backends
        int[] ids = new int[w.backends().size()];
        for (int i = 0; i < ids.length; i++) ids[i] = writeBackend(w.backends().get(i), w.flags()[i], counts, writes);
        // make: rev-NAT id and name
        ProgrammedState.RevKey rk = new ProgrammedState.RevKey(addr, w.key().port(), w.key().protocol());
        Integer revNat = state.revNatIds.get(rk);
        if (revNat == null) {
            revNat = state.allocateRevNat();
            writes.update(PhasedWrites.REV_NAT, ProgrammedState.v4(addr) ? revNat4 : revNat6, revNat, new RevNatValue(addr, w.key().port()));
            state.revNatIds.put(rk, revNat);
        }
        if (!w.name().equals(state.names.get(revNat))) {
            writes.update(PhasedWrites.REV_NAT, names, revNat, w.name());
            state.names.put(revNat, w.name());
        }
        SvcValue service = new SvcValue(0, ids.length, revNat, w.service().flags(), w.service().affinityTimeout());
        if ((service.flags() & MapLayout.SVC_MAGLEV) != 0 && ids.length > 0) {
            // make: the Maglev table, before the entry that points readers at the new backends
            int[] owners = dev.kpf.dataplane.lb.Maglev.table(w.backends().stream()
                    .map(b -> b.address().toInetAddress().getHostAddress() + ":" + b.port()).toList(), maglevTableSize);
            int[] table = new int[owners.length];
            for (int j = 0; j < owners.length; j++) table[j] = ids[owners[j]];
            if (!Arrays.equals(table, maglevTables.get(revNat))) {
                writes.update(PhasedWrites.SLOTS, maglev4, revNat, table);
                maglevTables.put(revNat, table);
            }
        } else if (w.key().scope() == MapLayout.SCOPE_EXTERNAL && maglevTables.remove(revNat) != null) {
            // the table is the external entry's (an internal entry shares the rev-NAT id and never uses it)
            writes.delete(PhasedWrites.DELETE_REFERENCED, maglev4, revNat);
        }
        ProgrammedState.Frontend old = state.frontends.get(w.key());
        if (old != null && old.service().equals(service) && Arrays.equals(old.backendIds(), ids)) return;
        MapAccess<SvcKey, SvcValue> map = svcMap(addr);
        // make: slots, then the slot-0 entry that makes readers use them
        for (int i = 0; i < ids.length; i++) {
            if (old == null || i >= old.backendIds().length || old.backendIds()[i] != ids[i]) {
                writes.update(PhasedWrites.SLOTS, map, w.key().withSlot(i + 1), SvcValue.slot(ids[i]));
            }
        }
        // make: the affinity members (new ones count before old ones are dropped, so shared ones stay)
        boolean v4 = ProgrammedState.v4(addr);
        if ((service.flags() & MapLayout.SVC_AFFINITY) != 0) for (int id : ids) members.add(state, MemberKey.of(revNat, w.key().scope(), v4, id), writes);
        writes.update(PhasedWrites.SERVICE_ENTRIES, map, w.key(), service);
        state.putFrontend(w.key(), new ProgrammedState.Frontend(service, ids, w.owner()));
        counts[0]++;
        if (old != null && (old.service().flags() & MapLayout.SVC_AFFINITY) != 0) {
            for (int id : old.backendIds()) members.drop(state, MemberKey.of(old.service().revNatId(), w.key().scope(), v4, id), writes);
        }
        if (old != null) goneUdp.leaving(state, w.key(), old, ids);
        // references: the new ones count before the old ones are dropped
        for (int id : ids) state.backendRefs.add(ProgrammedState.ref(addr, id), 1);
        if (old == null) state.revNatRefs.merge(rk, 1, Integer::sum);
        // break: slots beyond the new count, then backends nothing refers to any more
        if (old != null) {
            for (int i = ids.length; i < old.backendIds().length; i++) writes.delete(PhasedWrites.DELETE_SLOTS, map, w.key().withSlot(i + 1));
            for (int id : old.backendIds()) unrefBackend(ProgrammedState.v4(addr), id, counts, writes);
        }
    }

    /** Writes a frontend's backend under its id, or a new one, unless the maps hold it as it is; returns the id. */
    private int writeBackend(ProgrammedState.BackendKey bk, int flags, int[] counts, PhasedWrites writes) {
        int id = state.backends.id(bk);
        BackendValue value = new BackendValue(bk.address(), bk.port(), bk.protocol(), flags);
        if (id == BackendMirror.NONE) {
            id = state.allocateBackend(bk.address());
            backendGeneration++;
        } else {
            BackendValue held = state.backends.get(bk.address(), id);
            if (value.equals(held)) {
                // unchanged, but from a newer decode of its slice: hold the table's address, not one only the mirror
                // still refers to (after 12,000 endpoint changes at 10,000 x 10 the mirror held 66,000 of those)
                if (held.address() != bk.address()) state.backends.shareInstances(bk, id, value);
                return id;
            }
        }
        writes.update(PhasedWrites.BACKENDS, backendMap(bk.address().isV4()), id, value);
        state.backends.put(id, value);
        state.backends.putId(bk, id);
        counts[2]++;
        return id;
    }

    private void deleteFrontend(SvcKey k, int[] counts, PhasedWrites writes) {
        ProgrammedState.Frontend old = state.removeFrontend(k);
        MapAccess<SvcKey, SvcValue> map = svcMap(k.address());
        writes.delete(PhasedWrites.DELETE_ENTRIES, map, k);
        counts[1]++;
        if (k.scope() == MapLayout.SCOPE_EXTERNAL) sourceRanges.write(k, Set.of(), writes);
        if (old == null) return;
        if ((old.service().flags() & MapLayout.SVC_AFFINITY) != 0) {
            for (int id : old.backendIds()) members.drop(state, MemberKey.of(old.service().revNatId(), k.scope(), ProgrammedState.v4(k.address()), id), writes);
        }
        goneUdp.leaving(state, k, old, new int[0]);
        for (int i = 0; i < old.backendIds().length; i++) writes.delete(PhasedWrites.DELETE_SLOTS, map, k.withSlot(i + 1));
        for (int id : old.backendIds()) unrefBackend(ProgrammedState.v4(k.address()), id, counts, writes);
        unrefRevNat(new ProgrammedState.RevKey(k.address(), k.port(), k.protocol()), writes);
    }

    /** One frontend less uses this rev-NAT id; at none it goes with its name, Maglev table and counters. */
    private void unrefRevNat(ProgrammedState.RevKey rk, PhasedWrites writes) {
        if (state.revNatRefs.merge(rk, -1, Integer::sum) <= 0) {
            state.revNatRefs.remove(rk);
            Integer id = state.revNatIds.remove(rk);
            if (id != null) {
                dropRevNat(id, ProgrammedState.v4(rk.address()), writes);
                state.names.remove(id);
                state.releaseRevNat(id);
            }
        }
    }

    /** Counts backends added and removed: when it has not moved, the backends' addresses have not changed. */
    private long backendGeneration;

    synchronized long backendGeneration() {
        return backendGeneration;
    }

    /** The addresses of every backend the maps hold. */
    synchronized Set<IpAddress> backendAddresses() {
        Set<IpAddress> out = new HashSet<>();
        state.backends.forEach(true, (b, id) -> out.add(b.address()));
        state.backends.forEach(false, (b, id) -> out.add(b.address()));
        return out;
    }

    /** The UDP backends that left their frontends since the last call (connected sockets to them can be let go). */
    synchronized List<GoneBackend> takeGoneUdp() {
        return goneUdp.take();
    }

    /** Deletes what a rev-NAT id stands for: its entry, name, Maglev table and counters (a next owner starts from zero). */
    private void dropRevNat(int id, boolean v4, PhasedWrites writes) {
        if (maglevTables.remove(id) != null) writes.delete(PhasedWrites.DELETE_REFERENCED, maglev4, id);
        writes.delete(PhasedWrites.DELETE_REFERENCED, v4 ? revNat4 : revNat6, id);
        writes.delete(PhasedWrites.DELETE_REFERENCED, names, id);
        writes.delete(PhasedWrites.DELETE_REFERENCED, stats, new long[] {MapLayout.STAT_FRONTEND, id});
    }

    private void unrefBackend(boolean v4, int id, int[] counts, PhasedWrites writes) {
        BackendValue v = state.backends.get(v4, id);
        if (v == null) return;
        ProgrammedState.BackendKey bk = new ProgrammedState.BackendKey(v.address(), v.port(), v.protocol());
        long ref = ProgrammedState.ref(v4, id);
        if (state.backendRefs.add(ref, -1) > 0) return;
        writes.delete(PhasedWrites.DELETE_REFERENCED, backendMap(v4), id);
        writes.delete(PhasedWrites.DELETE_REFERENCED, stats, new long[] {MapLayout.STAT_BACKEND,
                Integer.toUnsignedLong(v4 ? id : id | MapLayout.STAT_V6_BIT)});
        state.backends.remove(v4, id);
        backendGeneration++;
        state.backends.removeId(bk, id); // a second id of the same backend leaves the one in use alone
        state.releaseBackend(v4, id);
        counts[3]++;
    }


    /** The programmed frontends' slot-0 values and backends of each family (copies), for resolving counters. */
    synchronized void copyMirror(Map<SvcKey, SvcValue> s4, Map<SvcKey, SvcValue> s6, Map<Integer, BackendValue> b4, Map<Integer, BackendValue> b6) {
        state.frontends.forEach((k, f) -> (ProgrammedState.v4(k.address()) ? s4 : s6).put(k, f.service()));
        state.backends.forEach(true, (v, id) -> b4.put(id, v));
        state.backends.forEach(false, (v, id) -> b6.put(id, v));
    }

    /** What the maps hold, read back from them. */
    synchronized LbTable readBack() {
        return MapReader.read(svc4.entries(), svc6.entries(), backends4.entries(), backends6.entries(), names.entries());
    }

    /** The backend maps' mirror (tests check which address instances it holds). */
    synchronized BackendMirror backendMirror() {
        return state.backends;
    }

    /** Entries used and capacity of the svc, backend and name maps. */
    synchronized Map<String, long[]> mapUsage() {
        Map<String, long[]> out = new TreeMap<>();
        out.put(svc4.name(), new long[] {state.svcEntries(true), svc4.maxEntries()});
        out.put(svc6.name(), new long[] {state.svcEntries(false), svc6.maxEntries()});
        out.put(backends4.name(), new long[] {state.backends.size(true), backends4.maxEntries()});
        out.put(backends6.name(), new long[] {state.backends.size(false), backends6.maxEntries()});
        out.put(names.name(), new long[] {state.names.size(), names.maxEntries()});
        return out;
    }
}
