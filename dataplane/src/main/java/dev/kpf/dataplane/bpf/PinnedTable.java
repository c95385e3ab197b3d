package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the table straight from the pinned maps, with no agent: what the kernel holds right now. */
public final class PinnedTable {
    private PinnedTable() {}

    public static LbTable read(PinDirectory pins) {
        return read(pins, false).table();
    }

    /** The table and the programs' counters, read in one pass over the pinned maps. */
    public static Reading readWithCounters(PinDirectory pins) {
        return read(pins, true);
    }

    private static Reading read(PinDirectory pins, boolean counters) {
        if (!Files.exists(pins.path(MapLayout.SVC4))) {
            throw new DatapathException("no kpf maps are pinned under " + pins.root()
                    + ": start the agent (kpf agent), or pass the agent's --bpffs directory", null);
        }
        try (BpfMap<SvcKey, SvcValue> svc4 = BpfMap.openPinned(pins.path(MapLayout.SVC4), Codecs.svcKey(4), Codecs.SVC_VALUE);
             BpfMap<SvcKey, SvcValue> svc6 = BpfMap.openPinned(pins.path(MapLayout.SVC6), Codecs.svcKey(16), Codecs.SVC_VALUE);
             BpfMap<Integer, BackendValue> b4 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), MapCodec.u32(), Codecs.backend(4));
             BpfMap<Integer, BackendValue> b6 = BpfMap.openPinned(pins.path(MapLayout.BACKENDS6), MapCodec.u32(), Codecs.backend(16));
             BpfMap<Integer, String> names = BpfMap.openPinned(pins.path(MapLayout.NAMES), MapCodec.u32(), Codecs.NAME)) {
            Map<SvcKey, SvcValue> s4 = svc4.entries(), s6 = svc6.entries();
            Map<Integer, BackendValue> be4 = b4.entries(), be6 = b6.entries();
            LbTable table = MapReader.read(s4, s6, be4, be6, names.entries());
            if (!counters) return new Reading(table, Counters.NONE);
            try (BpfMap<long[], long[]> stats = BpfMap.openPinned(pins.path(MapLayout.STATS), Codecs.STAT_KEY,
                    Codecs.statValues(dev.kpf.probes.bpf.Libbpf.possibleCpus()))) {
                Map<List<Long>, long[]> raw = new HashMap<>();
                stats.entries().forEach((k, v) -> raw.put(List.of(k[0], k[1]), v));
                return new Reading(table, CounterReader.read(s4, s6, be4, be6, raw));
            }
        }
    }

    /** What the maps hold and what the programs counted. */
    public record Reading(LbTable table, Counters counters) {}
}
