package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;

/** The tc datapath's conntrack read from the pins, with no agent: how full it is and what the programs counted. */
public final class PinnedConntrack {
    private PinnedConntrack() {}

    /** Flows' entries in kpf_ct, its capacity, and the event counters. */
    public record Reading(int entries, int capacity, Map<TcEvent, Long> events) {}

    /** The pinned conntrack map itself (benchmarks fill it to measure the sweep); the caller closes it. */
    public static BpfMap<FlowKey, FlowEntry> open(PinDirectory pins) {
        return BpfMap.openPinned(pins.path(MapLayout.CT), ConntrackCodecs.KEY, ConntrackCodecs.VALUE);
    }

    /** Empty when the pin directory has no tc datapath maps. */
    public static Optional<Reading> read(PinDirectory pins) {
        if (!Files.exists(pins.path(MapLayout.CT)) || !Files.exists(pins.path(MapLayout.TC_EVENTS))) return Optional.empty();
        try (BpfMap<FlowKey, FlowEntry> ct = BpfMap.openPinned(pins.path(MapLayout.CT), ConntrackCodecs.KEY, ConntrackCodecs.VALUE);
             BpfMap<Integer, Long> events = BpfMap.openPinned(pins.path(MapLayout.TC_EVENTS), MapCodec.u32(),
                     ConntrackCodecs.perCpuSum(dev.kpf.probes.bpf.Libbpf.possibleCpus()))) {
            return Optional.of(new Reading(ct.keys().size(), ct.maxEntries(), Conntrack.events(events)));
        }
    }
}
