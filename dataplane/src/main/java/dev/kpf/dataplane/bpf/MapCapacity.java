package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether what a sync writes fits kpf's maps: the entries the writer's mirror says they hold, plus what a list of
 * wants adds, against each map's capacity, and the rev-NAT ids left. A service that does not fit is reported, naming
 * the map and the flag that raises it, and not written at all ({@link MapWriter}).
 */
final class MapCapacity {
    private final MapAccess<?, ?> svc4, svc6, backends4, backends6, names;
    private final AffinityMembers members;

    MapCapacity(WriterMaps maps, AffinityMembers members) {
        svc4 = maps.svc4();
        svc6 = maps.svc6();
        backends4 = maps.backends4();
        backends6 = maps.backends6();
        names = maps.names();
        this.members = members;
    }

    /** Whether the maps have room for the most a list of wants could add (then nothing is looked up). */
    boolean fits(ProgrammedState state, Demand most) {
        return problem(state, most) == null;
    }

    /**
     * Why {@code wants} (one service's entries) would not fit, or null. Counts only what they add to what the mirror
     * holds; when even the most they could add fits (every frontend, slot, backend and rev-NAT id new), nothing is
     * looked up.
     */
    String problem(ProgrammedState state, List<Want> wants) {
        if (fits(state, Demand.of(wants))) return null;
        Demand add = new Demand();
        Set<ProgrammedState.BackendKey> newBackends = new HashSet<>();
        Set<ProgrammedState.RevKey> newRev = new HashSet<>();
        for (Want w : wants) {
            ProgrammedState.Frontend old = state.frontends.get(w.key());
            long entries = (old == null ? 1 : 0) + Math.max(0, w.backends().size() - (old == null ? 0 : old.backendIds().length));
            if (ProgrammedState.v4(w.key().address())) add.svc4 += entries; else add.svc6 += entries;
            for (ProgrammedState.BackendKey b : w.backends()) {
                if (state.backends.id(b) == BackendMirror.NONE && newBackends.add(b)) {
                    if (ProgrammedState.v4(b.address())) add.backends4++; else add.backends6++;
                }
            }
            ProgrammedState.RevKey rk = new ProgrammedState.RevKey(w.key().address(), w.key().port(), w.key().protocol());
            if (!state.revNatIds.containsKey(rk) && newRev.add(rk)) add.revNats++;
            // at most one member per backend of an affinity frontend (an upper bound: some may be there already)
            if ((w.service().flags() & MapLayout.SVC_AFFINITY) != 0) add.members += w.backends().size();
        }
        return problem(state, add);
    }

    /** The first map (or the rev-NAT ids) that {@code add} would overflow, as a problem's text, or null. */
    private String problem(ProgrammedState state, Demand add) {
        String full = full(svc4, state.svcEntries(true), add.svc4);
        if (full == null) full = full(svc6, state.svcEntries(false), add.svc6);
        if (full == null) full = full(backends4, state.backends.size(true), add.backends4);
        if (full == null) full = full(backends6, state.backends.size(false), add.backends6);
        // a frontend identity new to the maps takes a rev-NAT id and its name
        if (full == null) full = full(names, state.names.size(), add.revNats);
        if (full == null) full = full(members.map(), members.size(), add.members);
        if (full == null && add.revNats > state.freeRevNatIds()) {
            full = "more frontends than rev-NAT ids (" + (SelfTestFrontend.REV_NAT_ID - 1) + " at most, " + add.revNats
                    + " more needed): not programmed, the previous state stays";
        }
        return full;
    }

    private static String full(MapAccess<?, ?> map, long used, long add) {
        if (add == 0 || used + add <= map.maxEntries()) return null;
        return "map " + map.name() + " is full (" + used + " of " + map.maxEntries() + " entries used, " + add
                + " more needed): not programmed, the previous state stays; raise the map's capacity (--map-capacity "
                + map.name() + "=N)";
    }
}
