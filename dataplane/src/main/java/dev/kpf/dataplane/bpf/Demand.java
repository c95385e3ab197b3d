package dev.kpf.dataplane.bpf;

import java.util.List;

/**
 * What a list of {@link Want}s adds to the maps: entries per map, new frontend identities (each a rev-NAT id and a
 * name) and affinity members. {@link #add} sums the most they could add, as if every frontend, slot, backend and
 * rev-NAT id were new: when even that fits, the writer looks nothing up to check capacity. It is summed want by want
 * as the list is made (a method the JIT compiles soon, where a second loop over 11,000 wants ran interpreted in a
 * cold first sync); {@link MapCapacity} counts what one service adds exactly into one when that does not fit.
 */
final class Demand {
    long svc4, svc6, backends4, backends6, members;
    /** Frontend identities new to the maps: each takes a rev-NAT id and a name. */
    int revNats;

    static Demand of(List<Want> wants) {
        Demand d = new Demand();
        for (Want w : wants) d.add(w);
        return d;
    }

    /** Counts {@code w} in; returns it. */
    Want add(Want w) {
        int n = w.backends().size();
        if (ProgrammedState.v4(w.key().address())) svc4 += 1 + n; else svc6 += 1 + n;
        backends4 += w.backends4();
        backends6 += n - w.backends4();
        // at most one affinity member per backend of an affinity frontend
        if ((w.service().flags() & MapLayout.SVC_AFFINITY) != 0) members += n;
        revNats++;
        return w;
    }
}
