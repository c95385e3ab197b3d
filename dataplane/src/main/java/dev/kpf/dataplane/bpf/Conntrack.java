package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;

import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The tc datapath's conntrack as the agent sees it: the flows in kpf_ct, the event counters the programs keep in
 * kpf_tc_events, and the sweep ({@link ConntrackSweep}) that frees ended flows and flushes UDP flows to backends
 * that left.
 */
final class Conntrack {
    private final BpfMap<FlowKey, FlowEntry> flows;
    private final BpfMap<Integer, Long> events;
    private final ConntrackSweep sweep;

    Conntrack(BpfMap<FlowKey, FlowEntry> flows, BpfMap<Integer, Long> events, ConntrackConfig config) {
        this.flows = flows;
        this.events = events;
        this.sweep = new ConntrackSweep(flows, config);
    }

    static Conntrack of(dev.kpf.probes.bpf.BpfObject object, ConntrackConfig config) {
        return new Conntrack(object.map(MapLayout.CT, ConntrackCodecs.KEY, ConntrackCodecs.VALUE),
                object.map(MapLayout.TC_EVENTS, MapCodec.u32(), ConntrackCodecs.perCpuSum(dev.kpf.probes.bpf.Libbpf.possibleCpus())), config);
    }

    Map<FlowKey, FlowEntry> flows() {
        return flows.entries();
    }

    Map<TcEvent, Long> events() {
        return events(events);
    }

    /** The event counters of a kpf_tc_events map (summed over the CPUs), every event present. */
    static Map<TcEvent, Long> events(BpfMap<Integer, Long> map) {
        Map<TcEvent, Long> out = new EnumMap<>(TcEvent.class);
        for (TcEvent e : TcEvent.values()) out.put(e, map.lookup(e.ordinal()).orElse(0L));
        return out;
    }

    /** Frees ended flows. */
    SweepReport sweep() {
        return sweep.sweep(System.nanoTime(), List.of());
    }

    /** Frees ended flows and deletes UDP flows to backends that left their frontend. */
    SweepReport purge(Collection<GoneBackend> gone) {
        return sweep.sweep(System.nanoTime(), gone);
    }
}
