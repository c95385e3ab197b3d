package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.Protocol;
import dev.kpf.probes.bpf.MapAccess;

import java.util.List;
import java.util.Map;

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
        for (Map.Entry<Integer, BackendValue> e : backends4.entries().entrySet()) restoreBackend(s, e.getKey(), e.getValue());
        for (Map.Entry<Integer, BackendValue> e : backends6.entries().entrySet()) restoreBackend(s, e.getKey(), e.getValue());
        Map<Integer, String> nameById = names.entries();
        Map<Integer, RevNatValue> rev4 = revNat4.entries(), rev6 = revNat6.entries();
        for (Integer id : nameById.keySet()) {
            if (!SelfTestFrontend.reserved(id) && !rev4.containsKey(id) && !rev6.containsKey(id)) s.orphanNames.add(id);
        }
        for (Map.Entry<Integer, RevNatValue> e : rev4.entrySet()) restoreRevNat(s, e.getKey(), e.getValue(), nameById);
        for (Map.Entry<Integer, RevNatValue> e : rev6.entrySet()) restoreRevNat(s, e.getKey(), e.getValue(), nameById);
        for (MapAccess<SvcKey, SvcValue> map : List.of(svc4, svc6)) {
            Map<SvcKey, SvcValue> all = map.entries();
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
                s.putFrontend(e.getKey(), new ProgrammedState.Frontend(v, ids, name, f.length > 1 ? owner(f[1]) : ""));
                s.revNatRefs.merge(new ProgrammedState.RevKey(e.getKey().address(), e.getKey().port(), e.getKey().protocol()), 1, Integer::sum);
                for (int id : ids) {
                    BackendValue b = s.backends(e.getKey().address()).get(id);
                    if (b != null) s.backendRefs.merge(new ProgrammedState.BackendKey(b.address(), b.port(), b.protocol()), 1, Integer::sum);
                    if ((v.flags() & MapLayout.SVC_AFFINITY) != 0) {
                        s.memberRefs.merge(MemberKey.of(v.revNatId(), e.getKey().scope(), ProgrammedState.v4(e.getKey().address()), id), 1, Integer::sum);
                    }
                }
            }
        }
        return s;
    }

    private static void restoreBackend(ProgrammedState s, int id, BackendValue v) {
        if (SelfTestFrontend.reservedBackend(id)) return;
        s.backends(v.address()).put(id, v);
        s.backendIds.put(new ProgrammedState.BackendKey(v.address(), v.port(), v.protocol()), id);
        s.markBackend(v.address(), id);
    }

    private static void restoreRevNat(ProgrammedState s, int id, RevNatValue v, Map<Integer, String> nameById) {
        if (SelfTestFrontend.reserved(id)) return;
        String name = nameById.getOrDefault(id, "");
        int proto = protocolOfName(name);
        s.revNatIds.put(new ProgrammedState.RevKey(v.address(), v.port(), proto), id);
        s.names.put(id, name);
        s.markRevNat(id);
    }

    /** Names are written as "TYPE\tns/name:port\tPROTO"; the protocol keys rev-NAT entries. */
    private static int protocolOfName(String name) {
        String[] f = name.split("\t");
        return f.length >= 3 ? Protocol.valueOf(f[2]).number : 0;
    }


    /** The service of a name's {@code ns/name:port} part. */
    static String owner(String servicePortName) {
        int colon = servicePortName.indexOf(':');
        return colon < 0 ? servicePortName : servicePortName.substring(0, colon);
    }
}
