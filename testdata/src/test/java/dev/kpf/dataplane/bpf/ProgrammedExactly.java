package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * After a sync that ended clean, the maps hold the intent and nothing else: every frontend with exactly its backends
 * (with their flags), flags, rev-NAT entry, name, Maglev table and source ranges; no slot, backend, rev-NAT entry,
 * name, table or prefix that nothing refers to.
 */
final class ProgrammedExactly {
    private ProgrammedExactly() {}

    static List<String> differences(FakeMaps m, LbTable intent) {
        return differences(m, intent, null);
    }

    /** @param maglev whether the writer uses Maglev tables (null: not checked) */
    static List<String> differences(FakeMaps m, LbTable intent, Boolean maglev) {
        List<String> out = new ArrayList<>();
        Set<SvcKey> frontends = new HashSet<>();
        Set<String> usedBackends = new HashSet<>();
        Set<Integer> usedRevNat = new HashSet<>();
        Set<Integer> maglevRevNat = new HashSet<>();
        Set<SourceRangeKey> ranges = new HashSet<>();
        Set<MemberKey> members = new HashSet<>();
        for (LbEntry e : intent.entries().values()) {
            SvcKey k = ReaderInvariant.key(e.frontend());
            frontends.add(k);
            boolean v4 = ProgrammedState.v4(k.address());
            FakeKernel.FakeMap<SvcKey, SvcValue> svc = v4 ? m.svc4 : m.svc6;
            FakeKernel.FakeMap<Integer, BackendValue> backends = v4 ? m.backends4 : m.backends6;
            SvcValue v = svc.get(k);
            String f = e.frontend().toString();
            if (v == null) {
                out.add(f + " is not programmed");
                continue;
            }
            usedRevNat.add(v.revNatId());
            if (v.count() != e.backends().size()) out.add(f + " has " + v.count() + " slots, wants " + e.backends().size());
            Set<BackendValue> want = new HashSet<>(), have = new HashSet<>();
            for (Backend b : e.backends()) {
                want.add(new BackendValue(b.address(), b.port(), b.protocol().number,
                        (b.state() == Backend.State.TERMINATING ? MapLayout.BACKEND_TERMINATING : 0) | (b.local() ? MapLayout.BACKEND_LOCAL : 0)));
            }
            for (int i = 1; i <= v.count(); i++) {
                SvcValue slot = svc.get(k.withSlot(i));
                BackendValue b = slot == null ? null : backends.get(slot.backendId());
                if (b == null) out.add(f + " slot " + i + " resolves to nothing");
                else {
                    have.add(b);
                    usedBackends.add((v4 ? 4 : 6) + "/" + slot.backendId());
                    if (e.affinityTimeoutSeconds() > 0) members.add(MemberKey.of(v.revNatId(), k.scope(), v4, slot.backendId()));
                }
            }
            if (!want.equals(have)) out.add(f + " resolves to " + have + ", wants " + want);
            if (((v.flags() & MapLayout.SVC_AFFINITY) != 0) != (e.affinityTimeoutSeconds() > 0) || v.affinityTimeout() != e.affinityTimeoutSeconds()) {
                out.add(f + " affinity flags " + v.flags() + "/" + v.affinityTimeout() + ", wants " + e.affinityTimeoutSeconds());
            }
            boolean external = k.scope() == MapLayout.SCOPE_EXTERNAL && e.type() != dev.kpf.dataplane.lb.FrontendType.CLUSTER_IP;
            if (((v.flags() & MapLayout.SVC_TWO_SCOPE) != 0) != (external && e.externalPolicyLocal())) out.add(f + " two-scope flag " + v.flags());
            if (maglev != null && ((v.flags() & MapLayout.SVC_MAGLEV) != 0) != (external && maglev)) out.add(f + " Maglev flag " + v.flags());
            Set<SourceRangeKey> r = SourceRanges.keys(e);
            ranges.addAll(r);
            if (((v.flags() & MapLayout.SVC_SOURCE_RANGES) != 0) != !r.isEmpty()) out.add(f + " source-range flag " + v.flags() + ", wants " + r);
            if (!new RevNatValue(k.address(), k.port()).equals((v4 ? m.revNat4 : m.revNat6).get(v.revNatId()))) out.add(f + " rev-NAT entry wrong");
            String name = MapLayout.fitName(e.type().label + "\t" + e.servicePortName() + "\t" + e.frontend().protocol().name());
            if (!name.equals(m.names.get(v.revNatId()))) out.add(f + " is named " + m.names.get(v.revNatId()));
            if ((v.flags() & MapLayout.SVC_MAGLEV) != 0 && v.count() > 0) {
                maglevRevNat.add(v.revNatId());
                int[] table = m.maglev4.get(v.revNatId());
                if (table == null) out.add(f + " has no Maglev table");
                else {
                    Set<BackendValue> inTable = new HashSet<>();
                    for (int id : table) inTable.add(backends.get(id));
                    if (!inTable.equals(want)) out.add(f + " Maglev table resolves to " + inTable + ", wants " + want);
                }
            }
        }
        for (FakeKernel.FakeMap<SvcKey, SvcValue> svc : List.of(m.svc4, m.svc6)) {
            for (Map.Entry<SvcKey, SvcValue> e : svc.entries().entrySet()) {
                SvcKey k = e.getKey();
                SvcValue head = svc.get(k.withSlot(0));
                if (!frontends.contains(k.withSlot(0))) out.add(svc.name() + " holds " + k + ", which is in no intent");
                else if (k.slot() > 0 && (head == null || k.slot() > head.count())) out.add(svc.name() + " holds unused slot " + k);
            }
        }
        for (Integer id : m.backends4.entries().keySet()) if (!usedBackends.contains("4/" + id)) out.add("backend 4/" + id + " is used by no slot");
        for (Integer id : m.backends6.entries().keySet()) if (!usedBackends.contains("6/" + id)) out.add("backend 6/" + id + " is used by no slot");
        for (FakeKernel.FakeMap<Integer, ?> map : List.of(m.revNat4, m.revNat6, m.names)) {
            for (Integer id : map.entries().keySet()) if (!usedRevNat.contains(id)) out.add(map.name() + " holds id " + id + ", used by no frontend");
        }
        for (Integer id : m.maglev4.entries().keySet()) if (!maglevRevNat.contains(id)) out.add("Maglev table " + id + " is used by no frontend");
        Set<SourceRangeKey> present = new HashSet<>(m.sourceRanges4.entries().keySet());
        present.addAll(m.sourceRanges6.entries().keySet());
        if (!present.equals(ranges)) out.add("source ranges " + present + ", want " + ranges);
        if (!m.members.entries().keySet().equals(members)) out.add("affinity members " + m.members.entries().keySet() + ", want " + members);
        return out.size() > 20 ? out.subList(0, 20) : out;
    }
}
