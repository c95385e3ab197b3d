package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.source.SourceStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the agent reports on /v1/status: its node, source, datapath, readiness and the last sync. */
public record AgentStatus(String node, SourceStatus source, String datapath, boolean simulated, boolean ready, long syncs,
                          Optional<Instant> lastSync, Optional<Duration> lastSyncDuration, int frontends, long backends,
                          List<Problem> lastErrors) {}
