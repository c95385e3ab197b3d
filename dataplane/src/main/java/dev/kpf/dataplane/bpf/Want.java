package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The desired form of one frontend entry, as {@link MapWriter} programs it: its svc key and slot-0 value (count and
 * rev-NAT id still to fill in), its backends in slot order with their flags, its name, owner and client prefixes;
 * {@code backends4} of its backends are IPv4 ones.
 */
record Want(SvcKey key, SvcValue service, List<ProgrammedState.BackendKey> backends, int[] flags, String name,
            ObjectRef owner, Set<SourceRangeKey> ranges, int backends4) {
    /** The svc key (slot 0) of a frontend. */
    static SvcKey key(Frontend f) {
        return new SvcKey(f.address(), f.port(), f.protocol().number, f.scope() == Scope.INTERNAL ? MapLayout.SCOPE_INTERNAL
                : MapLayout.SCOPE_EXTERNAL, 0);
    }

    /** @param maglev whether external frontends pick backends in Maglev tables */
    static Want of(LbEntry e, boolean maglev) {
        Frontend f = e.frontend();
        // the translator gives external frontends of externalTrafficPolicy: Local services an INTERNAL entry too
        boolean twoScope = f.scope() == Scope.EXTERNAL && e.externalPolicyLocal() && e.type() != FrontendType.CLUSTER_IP;
        boolean useMaglev = maglev && f.scope() == Scope.EXTERNAL && e.type() != FrontendType.CLUSTER_IP;
        Set<SourceRangeKey> ranges = SourceRanges.keys(e);
        int flags = (e.affinityTimeoutSeconds() > 0 ? MapLayout.SVC_AFFINITY : 0) | (twoScope ? MapLayout.SVC_TWO_SCOPE : 0)
                | (ranges.isEmpty() ? 0 : MapLayout.SVC_SOURCE_RANGES) | (useMaglev ? MapLayout.SVC_MAGLEV : 0);
        List<ProgrammedState.BackendKey> backends = new ArrayList<>(e.backends().size());
        int[] backendFlags = new int[e.backends().size()];
        int backends4 = 0;
        for (Backend b : e.backends()) {
            backendFlags[backends.size()] = (b.state() == Backend.State.TERMINATING ? MapLayout.BACKEND_TERMINATING : 0) | (b.local() ? MapLayout.BACKEND_LOCAL : 0);
            backends.add(new ProgrammedState.BackendKey(b.ip(), b.port(), b.protocol().number));
            if (b.ip().isV4()) backends4++;
        }
        String name = MapLayout.fitName(e.type().label + "\t" + e.servicePortName() + "\t" + f.protocol().name());
        SvcValue v = new SvcValue(0, backends.size(), 0, flags, e.affinityTimeoutSeconds());
        return new Want(key(f), v, backends, backendFlags, name, e.service(), ranges, backends4);
    }
}
