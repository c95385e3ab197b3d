package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.Protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The UDP backends a sync takes away from their frontends, so that connected sockets kpf translated to them can be
 * let go ({@link UdpSocketTerminator}): collected while the writer queues its writes, kept only when the sync was
 * written whole and neither entry of the frontend (external, internal) lists the backend any more.
 */
final class GoneUdpBackends {
    /** UDP backends that left an entry of a frontend in this sync (checked against both entries when it ends). */
    private final List<GoneCandidate> leftCandidates = new ArrayList<>();
    /** The UDP backends the last syncs took away from their frontends, for {@link #take}. */
    private final List<GoneBackend> gone = new ArrayList<>();

    private record GoneCandidate(SvcKey frontend, int revNatId, BackendValue backend) {}

    /** Remembers the UDP backends of {@code old} that {@code now} no longer lists. */
    void leaving(ProgrammedState state, SvcKey k, ProgrammedState.Frontend old, int[] now) {
        if (k.protocol() != Protocol.UDP.number) return;
        Set<Integer> kept = new HashSet<>();
        for (int id : now) kept.add(id);
        for (int id : old.backendIds()) {
            BackendValue b = state.backends.get(k.address(), id);
            if (!kept.contains(id) && b != null) leftCandidates.add(new GoneCandidate(k.withScope(MapLayout.SCOPE_EXTERNAL), old.service().revNatId(), b));
        }
    }

    /**
     * After a sync that was written whole: the candidates that neither entry of their frontend lists any more (a
     * backend that moved from the internal to the external entry has not left).
     */
    void settle(ProgrammedState state, boolean written) {
        if (written) {
            for (GoneCandidate c : leftCandidates) {
                boolean stays = false;
                for (int scope : new int[] {MapLayout.SCOPE_EXTERNAL, MapLayout.SCOPE_INTERNAL}) {
                    ProgrammedState.Frontend f = state.frontends.get(c.frontend().withScope(scope));
                    if (f == null || f.service().revNatId() != c.revNatId()) continue;
                    for (int id : f.backendIds()) {
                        BackendValue b = state.backends.get(c.frontend().address(), id);
                        if (b != null && b.address().equals(c.backend().address()) && b.port() == c.backend().port()) stays = true;
                    }
                }
                if (!stays) gone.add(new GoneBackend(c.revNatId(), c.backend().address().toInetAddress(), c.backend().port()));
            }
        }
        leftCandidates.clear();
    }

    /** The UDP backends that left their frontends since the last call (connected sockets to them can be let go). */
    List<GoneBackend> take() {
        List<GoneBackend> out = List.copyOf(new java.util.LinkedHashSet<>(gone));
        gone.clear();
        return out;
    }

}
