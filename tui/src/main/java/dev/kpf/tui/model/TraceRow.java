package dev.kpf.tui.model;

import dev.kpf.dataplane.trace.TraceEvent;

/** One traced translation with the names it resolved to (empty when unknown). */
public record TraceRow(TraceEvent event, String service, String pod) {}
