package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the contents of the maps back into a table: what is really programmed, with service names from kpf_names.
 * Settings the maps do not hold (source ranges, traffic policies beyond the two-scope flag) read as defaults, and
 * inconsistencies (a slot pointing at a missing backend) are reported as problems.
 */
final class MapReader {
    private MapReader() {}

    static LbTable read(Map<SvcKey, SvcValue> svc4, Map<SvcKey, SvcValue> svc6, Map<Integer, BackendValue> backends4,
                        Map<Integer, BackendValue> backends6, Map<Integer, String> names) {
        TreeMap<Frontend, LbEntry> entries = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        readFamily(svc4, backends4, names, entries, problems);
        readFamily(svc6, backends6, names, entries, problems);
        return new LbTable(entries, problems);
    }

    private static void readFamily(Map<SvcKey, SvcValue> svc, Map<Integer, BackendValue> backends, Map<Integer, String> names,
                                   TreeMap<Frontend, LbEntry> out, List<Problem> problems) {
        for (Map.Entry<SvcKey, SvcValue> e : svc.entrySet()) {
            SvcKey k = e.getKey();
            if (k.slot() != 0) continue;
            SvcValue v = e.getValue();
            Protocol proto = protocol(k.protocol());
            Frontend f = new Frontend(k.address(), k.port(), proto, k.scope() == MapLayout.SCOPE_INTERNAL ? Scope.INTERNAL : Scope.EXTERNAL);
            String[] name = names.getOrDefault(v.revNatId(), "ClusterIP\t?/?\tTCP").split("\t");
            String servicePort = name.length > 1 ? name[1] : "?/?";
            int slash = servicePort.indexOf('/');
            int colon = servicePort.indexOf(':', Math.max(0, slash));
            ObjectRef ref = ObjectRef.service(slash < 0 ? "?" : servicePort.substring(0, slash),
                    colon < 0 ? servicePort.substring(slash + 1) : servicePort.substring(slash + 1, colon));
            String portName = colon < 0 ? "" : servicePort.substring(colon + 1);
            List<Backend> list = new ArrayList<>();
            for (int i = 1; i <= v.count(); i++) {
                SvcValue slot = svc.get(k.withSlot(i));
                BackendValue b = slot == null ? null : backends.get(slot.backendId());
                if (b == null) {
                    problems.add(new Problem(ref.toString(), "maps", "frontend " + f + " slot " + i + " points at a missing backend"));
                    continue;
                }
                list.add(new Backend(b.address(), b.port(), protocol(b.protocol()),
                        (b.flags() & MapLayout.BACKEND_TERMINATING) != 0 ? Backend.State.TERMINATING : Backend.State.READY,
                        (b.flags() & MapLayout.BACKEND_LOCAL) != 0, "", "", ""));
            }
            boolean twoScope = (v.flags() & MapLayout.SVC_TWO_SCOPE) != 0 || k.scope() == MapLayout.SCOPE_INTERNAL;
            out.put(f, new LbEntry(f, BpfDatapath.typeOf(name[0]), ref, portName, list, v.affinityTimeout(), List.of(),
                    twoScope, false, 0));
        }
    }

    private static Protocol protocol(int number) {
        for (Protocol p : Protocol.values()) if (p.number == number) return p;
        return Protocol.TCP;
    }
}
