package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;

import java.util.List;

/**
 * The maps {@link MapWriter} programs: the kernel's (from the loaded object) or in-memory ones in tests. Each is the
 * map of kpf_sock.h with the same name.
 */
record WriterMaps(MapAccess<SvcKey, SvcValue> svc4, MapAccess<SvcKey, SvcValue> svc6,
                  MapAccess<Integer, BackendValue> backends4, MapAccess<Integer, BackendValue> backends6,
                  MapAccess<Integer, RevNatValue> revNat4, MapAccess<Integer, RevNatValue> revNat6,
                  MapAccess<Integer, String> names, MapAccess<long[], long[]> stats,
                  MapAccess<SourceRangeKey, Byte> sourceRanges4, MapAccess<SourceRangeKey, Byte> sourceRanges6,
                  MapAccess<Integer, int[]> maglev4, MapAccess<MemberKey, Byte> members,
                  MapAccess<AffinityKey, AffinityValue> affinity) {

    List<MapAccess<?, ?>> all() {
        return List.of(svc4, svc6, backends4, backends6, revNat4, revNat6, names, stats, sourceRanges4, sourceRanges6, maglev4, members, affinity);
    }
}
