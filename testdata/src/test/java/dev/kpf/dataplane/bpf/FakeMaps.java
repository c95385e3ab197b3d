package dev.kpf.dataplane.bpf;

import java.util.Map;

/** kpf's maps in a {@link FakeKernel}, named and sized as kpf_sock.bpf.c declares them (capacities may be lowered). */
final class FakeMaps {
    final FakeKernel kernel;
    final FakeKernel.FakeMap<SvcKey, SvcValue> svc4, svc6;
    final FakeKernel.FakeMap<Integer, BackendValue> backends4, backends6;
    final FakeKernel.FakeMap<Integer, RevNatValue> revNat4, revNat6;
    final FakeKernel.FakeMap<Integer, String> names;
    final FakeKernel.FakeMap<long[], long[]> stats;
    final FakeKernel.FakeMap<SourceRangeKey, Byte> sourceRanges4, sourceRanges6;
    final FakeKernel.FakeMap<Integer, int[]> maglev4;
    final FakeKernel.FakeMap<AffinityKey, AffinityValue> affinity;
    final FakeKernel.FakeMap<MemberKey, Byte> members;

    FakeMaps(FakeKernel kernel, Map<String, Integer> capacities) {
        this.kernel = kernel;
        svc4 = kernel.map(MapLayout.SVC4, capacities.getOrDefault(MapLayout.SVC4, 262144));
        svc6 = kernel.map(MapLayout.SVC6, capacities.getOrDefault(MapLayout.SVC6, 131072));
        backends4 = kernel.map(MapLayout.BACKENDS4, capacities.getOrDefault(MapLayout.BACKENDS4, 262144));
        backends6 = kernel.map(MapLayout.BACKENDS6, capacities.getOrDefault(MapLayout.BACKENDS6, 131072));
        revNat4 = kernel.map(MapLayout.REVNAT4, 65536);
        revNat6 = kernel.map(MapLayout.REVNAT6, 65536);
        names = kernel.map(MapLayout.NAMES, capacities.getOrDefault(MapLayout.NAMES, 65536));
        stats = kernel.map(MapLayout.STATS, 131072);
        sourceRanges4 = kernel.map(MapLayout.SRC_RANGE4, 65536);
        sourceRanges6 = kernel.map(MapLayout.SRC_RANGE6, 65536);
        maglev4 = kernel.map(MapLayout.MAGLEV4, 65536);
        affinity = kernel.map(MapLayout.AFFINITY, 65536);
        members = kernel.map(MapLayout.AFF_MEMBER, capacities.getOrDefault(MapLayout.AFF_MEMBER, 131072));
    }

    WriterMaps writerMaps() {
        return new WriterMaps(svc4, svc6, backends4, backends6, revNat4, revNat6, names, stats, sourceRanges4, sourceRanges6, maglev4, members, affinity);
    }
}
