package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.Protocol;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves kpf_stats keys to what they count: a frontend key's id is the rev-NAT id held by the frontend's service
 * entry (slot 0), a backend key's id is the backend id (IPv6 ids with the top bit set).
 */
final class CounterReader {
    private CounterReader() {}

    static Counters read(Map<SvcKey, SvcValue> svc4, Map<SvcKey, SvcValue> svc6, Map<Integer, BackendValue> backends4,
                         Map<Integer, BackendValue> backends6, Map<List<Long>, long[]> stats) {
        Map<Long, Frontend> byRevNat = new HashMap<>();
        for (Map<SvcKey, SvcValue> svc : List.of(svc4, svc6)) {
            svc.forEach((k, v) -> {
                if (k.slot() == 0) {
                    byRevNat.put((long) v.revNatId(), new Frontend(k.address(), k.port(), protocol(k.protocol()),
                            k.scope() == MapLayout.SCOPE_INTERNAL ? Scope.INTERNAL : Scope.EXTERNAL));
                }
            });
        }
        Map<Frontend, Counters.Count> frontends = new HashMap<>();
        Map<String, Counters.Count> backends = new HashMap<>();
        stats.forEach((key, value) -> {
            long kind = key.get(0), id = key.get(1);
            Counters.Count count = new Counters.Count(value[0], value[1]);
            // the datapath self-test's frontend and backend are not the cluster's
            if (kind == MapLayout.STAT_FRONTEND && SelfTestFrontend.reserved((int) id)) return;
            if (kind == MapLayout.STAT_BACKEND && SelfTestFrontend.reservedBackend((int) id)) return;
            if (kind == MapLayout.STAT_FRONTEND) {
                Frontend f = byRevNat.get(id);
                if (f != null) frontends.merge(f, count, CounterReader::sum);
            } else if (kind == MapLayout.STAT_BACKEND) {
                boolean v6 = (id & MapLayout.STAT_V6_BIT) != 0;
                BackendValue b = (v6 ? backends6 : backends4).get((int) (id & ~MapLayout.STAT_V6_BIT));
                if (b != null) backends.merge(Counters.backendKey(b.address(), b.port(), protocol(b.protocol())), count, CounterReader::sum);
            }
        });
        return new Counters(frontends, backends);
    }

    private static Counters.Count sum(Counters.Count a, Counters.Count b) {
        return new Counters.Count(a.connects() + b.connects(), a.refused() + b.refused());
    }

    private static Protocol protocol(int number) {
        for (Protocol p : Protocol.values()) if (p.number == number) return p;
        return Protocol.TCP;
    }
}
