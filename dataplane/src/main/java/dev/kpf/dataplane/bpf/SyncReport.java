package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.Problem;

import java.time.Duration;
import java.util.List;

/** What one apply wrote: frontend and backend entries written and deleted, per-service errors, and how long it took. */
public record SyncReport(int frontendsWritten, int frontendsDeleted, int backendsWritten, int backendsDeleted,
                         List<Problem> errors, Duration took) {
    public SyncReport {
        errors = List.copyOf(errors);
    }

    public boolean changedNothing() {
        return frontendsWritten == 0 && frontendsDeleted == 0 && backendsWritten == 0 && backendsDeleted == 0;
    }
}
