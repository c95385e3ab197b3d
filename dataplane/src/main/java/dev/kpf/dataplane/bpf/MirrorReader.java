package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.probes.bpf.MapAccess;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the maps back into a {@link ProgrammedState}: at start (adopting an earlier agent's maps), after a failed
 * write and before a reconciling sync. Frontends with their slots, backends and rev-NAT ids with their reference
 * counts, the affinity members the frontends need, and what nothing refers to (slots beyond a count, names without a
 * rev-NAT entry) as orphans for the next full sync to delete. A running datapath self-test's entries are left out.
 */
final class MirrorReader {
    private MirrorReader() {}

    /** The mirror of what the maps hold, without the entries of a running datapath self-test (their ids are reserved). */
    static ProgrammedState read(MapAccess<SvcKey, SvcValue> svc4, MapAccess<SvcKey, SvcValue> svc6,
                                MapAccess<Integer, BackendValue> backends4, MapAccess<Integer, BackendValue> backends6,
                                MapAccess<Integer, RevNatValue> revNat4, MapAccess<Integer, RevNatValue> revNat6, MapAccess<Integer, String> names) {
        ProgrammedState s = new ProgrammedState();
        Map<SvcKey, SvcValue> all4 = svc4.entries(), all6 = svc6.entries();
        // what the frontends use: their rev-NAT ids and the backend ids in their slots
        Set<Integer> usedRevNat = new HashSet<>();
        Set<Long> usedBackends = new HashSet<>();
        for (Map<SvcKey, SvcValue> all : List.of(all4, all6)) {
            for (Map.Entry<SvcKey, SvcValue> e : all.entrySet()) {
                SvcKey k = e.getKey();
                SvcValue head = all.get(k.withSlot(0));
                if (head == null || SelfTestFrontend.reserved(head.revNatId())) continue;
                if (k.slot() == 0) usedRevNat.add(head.revNatId());
                else if (k.slot() <= head.count()) usedBackends.add(ProgrammedState.ref(k.address(), e.getValue().backendId()));
            }
        }
        // backends: every id is known; a backend written under two ids (a sync that failed midway) keeps the one in use
        for (MapAccess<Integer, BackendValue> map : List.of(backends4, backends6)) {
            for (Map.Entry<Integer, BackendValue> e : map.entries().entrySet()) {
                int id = e.getKey();
                BackendValue v = e.getValue();
                if (SelfTestFrontend.reservedBackend(id)) continue;
                s.backends.put(id, v);
                s.markBackend(v.address(), id);
                ProgrammedState.BackendKey bk = new ProgrammedState.BackendKey(v.address(), v.port(), v.protocol());
                if (usedBackends.contains(ProgrammedState.ref(v.address(), id))) s.backends.putId(bk, id);
                else s.backends.putIdIfAbsent(bk, id);
            }
        }
        // rev-NAT ids the same way; ids of a half-written frontend (no name yet, or a second id) are orphans. The protocol
        // of a rev-NAT identity comes from the frontends that use it (names may be cut at 127 bytes), else from its name
        Map<Integer, Integer> protocolOf = new java.util.HashMap<>();
        for (Map<SvcKey, SvcValue> all : List.of(all4, all6)) {
            for (Map.Entry<SvcKey, SvcValue> e : all.entrySet()) {
                if (e.getKey().slot() == 0) protocolOf.putIfAbsent(e.getValue().revNatId(), e.getKey().protocol());
            }
        }
        Map<Integer, String> nameById = names.entries();
        Map<Integer, RevNatValue> rev4 = revNat4.entries(), rev6 = revNat6.entries();
        for (Map<Integer, RevNatValue> rev : List.of(rev4, rev6)) {
            for (Map.Entry<Integer, RevNatValue> e : rev.entrySet()) {
                int id = e.getKey();
                if (SelfTestFrontend.reserved(id)) continue;
                s.markRevNat(id);
                String name = nameById.getOrDefault(id, "");
                s.names.put(id, name);
                int proto = protocolOf.getOrDefault(id, protocolOfName(name));
                ProgrammedState.RevKey rk = new ProgrammedState.RevKey(e.getValue().address(), e.getValue().port(), proto);
                if (usedRevNat.contains(id)) s.revNatIds.put(rk, id);
                else s.revNatIds.putIfAbsent(rk, id);
            }
        }
        // ids to look at after the next full sync's writes: those no frontend used when read, and second ids of one identity
        Set<Integer> kept = new HashSet<>(s.revNatIds.values());
        for (Map<Integer, RevNatValue> rev : List.of(rev4, rev6)) {
            for (Map.Entry<Integer, RevNatValue> e : rev.entrySet()) {
                int id = e.getKey();
                if (SelfTestFrontend.reserved(id)) continue;
                if (!kept.contains(id) || !usedRevNat.contains(id)) s.unusedRevNats.add(new ProgrammedState.RevNatId(id, ProgrammedState.v4(e.getValue().address())));
            }
        }
        for (boolean v4 : new boolean[] {true, false}) {
            s.backends.forEach(v4, (v, id) -> {
                if (!usedBackends.contains(ProgrammedState.ref(v.address(), id))) s.unusedBackends.add(v4 ? id : ~id);
            });
        }
        for (Integer id : nameById.keySet()) {
            if (SelfTestFrontend.reserved(id) || rev4.containsKey(id) || rev6.containsKey(id)) continue;
            s.orphanNames.add(id);
            s.markRevNat(id); // not handed out before its name is deleted
        }
        for (Map<SvcKey, SvcValue> all : List.of(all4, all6)) {
            for (SvcKey k : all.keySet()) {
                SvcValue head = all.get(k.withSlot(0));
                if (k.slot() > 0 && (head == null || k.slot() > head.count()) && !SelfTestFrontend.reserved(head == null ? 0 : head.revNatId())) {
                    s.orphanSlots.add(k);
                }
            }
            for (Map.Entry<SvcKey, SvcValue> e : all.entrySet()) {
                if (e.getKey().slot() != 0 || SelfTestFrontend.reserved(e.getValue().revNatId())) continue;
                SvcValue v = e.getValue();
                int[] ids = new int[v.count()];
                for (int i = 0; i < ids.length; i++) {
                    SvcValue slot = all.get(e.getKey().withSlot(i + 1));
                    ids[i] = slot == null ? 0 : slot.backendId();
                }
                String name = nameById.getOrDefault(v.revNatId(), "");
                String[] f = name.split("\t");
                s.putFrontend(e.getKey(), new ProgrammedState.Frontend(v, ids, f.length > 1 ? owner(f[1]) : null));
                s.revNatRefs.merge(new ProgrammedState.RevKey(e.getKey().address(), e.getKey().port(), e.getKey().protocol()), 1, Integer::sum);
                for (int id : ids) {
                    if (s.backends.get(e.getKey().address(), id) != null) s.backendRefs.add(ProgrammedState.ref(e.getKey().address(), id), 1);
                    if ((v.flags() & MapLayout.SVC_AFFINITY) != 0) {
                        s.memberRefs.merge(MemberKey.of(v.revNatId(), e.getKey().scope(), ProgrammedState.v4(e.getKey().address()), id), 1, Integer::sum);
                    }
                }
            }
        }
        return s;
    }

    /** Names are written as "TYPE\tns/name:port\tPROTO"; 0 when the protocol is not there (a name cut at 127 bytes). */
    private static int protocolOfName(String name) {
        String[] f = name.split("\t");
        if (f.length < 3) return 0;
        for (Protocol p : Protocol.values()) if (p.name().equals(f[2])) return p.number;
        return 0;
    }


    /** The service of a name's {@code ns/name:port} part (null without a namespace). */
    static ObjectRef owner(String servicePortName) {
        int colon = servicePortName.indexOf(':');
        String service = colon < 0 ? servicePortName : servicePortName.substring(0, colon);
        int slash = service.indexOf('/');
        return slash < 0 ? null : ObjectRef.service(service.substring(0, slash), service.substring(slash + 1));
    }
}
