package dev.kpf.tui.model;

import dev.kpf.probes.probe.ProbeReport;

import java.util.List;

/** Everything the screens show, at one moment. Immutable; the model publishes a new one on every refresh. */
public record TuiSnapshot(Header header, List<ServiceRow> services, String servicesError, NodeView node, ProbeReport kernel,
                          DaemonSetView daemonSets, DoctorView doctor, TraceView trace) {
    public TuiSnapshot {
        services = List.copyOf(services);
    }
}
