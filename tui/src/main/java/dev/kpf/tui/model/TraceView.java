package dev.kpf.tui.model;

import java.util.List;
import java.util.Map;

/**
 * The Trace pane's data: whether a tracer is listening, what it says, the filter, the latest events (newest first),
 * per Service port its latest connections (newest first), how many events arrived and how many the programs could
 * not write because the tracer fell behind.
 */
public record TraceView(boolean active, String status, String filter, List<TraceRow> rows, Map<String, List<TraceRow>> byService,
                        long received, long lost) {
    public TraceView {
        rows = List.copyOf(rows);
        byService = Map.copyOf(byService);
    }

    public static TraceView off(String status) {
        return new TraceView(false, status, "", List.of(), Map.of(), 0, 0);
    }

    public List<TraceRow> recent(String servicePort) {
        return byService.getOrDefault(servicePort, List.of());
    }
}
