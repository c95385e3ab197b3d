package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Files;

/** Reads the table straight from the pinned maps, with no agent: what the kernel holds right now. */
public final class PinnedTable {
    private PinnedTable() {}

    public static LbTable read(PinDirectory pins) {
        if (!Files.exists(pins.path(MapLayout.SVC4))) {
            throw new DatapathException("no kpf maps are pinned under " + pins.root()
                    + ": start the agent (kpf agent), or pass the agent's --bpffs directory", null);
        }
        try (BpfMap<SvcKey, SvcValue> svc4 = BpfMap.openPinned(pins.path(MapLayout.SVC4), Codecs.svcKey(4), Codecs.SVC_VALUE);
             BpfMap<SvcKey, SvcValue> svc6 = BpfMap.openPinned(pins.path(MapLayout.SVC6), Codecs.svcKey(16), Codecs.SVC_VALUE);
             BpfMap<Integer, BackendValue> b4 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), MapCodec.u32(), Codecs.backend(4));
             BpfMap<Integer, BackendValue> b6 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS6), MapCodec.u32(), Codecs.backend(16));
             BpfMap<Integer, String> names = BpfMap.openPinned(pins.path(MapLayout.NAMES), MapCodec.u32(), Codecs.NAME)) {
            return MapReader.read(svc4.entries(), svc6.entries(), b4.entries(), b6.entries(), names.entries());
        }
    }

    /** The table and the programs' counters, read in one pass over the pinned maps. */
    public static Reading readWithCounters(PinDirectory pins) {
        LbTable table = read(pins);
        try (BpfMap<SvcKey, SvcValue> svc4 = BpfMap.openPinned(pins.path(MapLayout.SVC4), Codecs.svcKey(4), Codecs.SVC_VALUE);
             BpfMap<SvcKey, SvcValue> svc6 = BpfMap.openPinned(pins.path(MapLayout.SVC6), Codecs.svcKey(16), Codecs.SVC_VALUE);
             BpfMap<Integer, BackendValue> b4 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), MapCodec.u32(), Codecs.backend(4));
             BpfMap<Integer, BackendValue> b6 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS6), MapCodec.u32(), Codecs.backend(16));
             BpfMap<long[], long[]> stats = BpfMap.openPinned(pins.path(MapLayout.STATS), Codecs.STAT_KEY, Codecs.statValues(dev.kpf.probes.bpf.Libbpf.possibleCpus()))) {
            java.util.Map<java.util.List<Long>, long[]> raw = new java.util.HashMap<>();
            stats.entries().forEach((k, v) -> raw.put(java.util.List.of(k[0], k[1]), v));
            return new Reading(table, CounterReader.read(svc4.entries(), svc6.entries(), b4.entries(), b6.entries(), raw));
        }
    }

    /** What the maps hold and what the programs counted. */
    public record Reading(LbTable table, Counters counters) {}
}
