package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.source.SourceStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When /healthz fails, as kube-proxy's does: not while the programmed state is merely old (a quiet cluster syncs
 * rarely), but when changes have been waiting for a successful sync longer than {@code syncTimeout}, or the source
 * has failed to deliver (an error after its last publish) for longer than {@code sourceGrace}, e.g. a dead API
 * server. The programmed state keeps serving either way; /healthz tells the node's operators and load balancers.
 */
public record AgentHealthPolicy(Duration syncTimeout, Duration sourceGrace) {
    public static final AgentHealthPolicy DEFAULT = new AgentHealthPolicy(Duration.ofSeconds(60), Duration.ofSeconds(60));

    /** The verdict at {@code now}: healthy, or why not. */
    public record Verdict(boolean healthy, String reason) {}

    /**
     * @param pendingSince when the oldest change not yet programmed arrived (empty: none waits)
     * @param started      when the agent started (a source that never published counts from here)
     */
    public Verdict judge(Instant now, Optional<Instant> pendingSince, SourceStatus source, Instant started) {
        if (pendingSince.isPresent() && Duration.between(pendingSince.get(), now).compareTo(syncTimeout) > 0) {
            return new Verdict(false, "changes have waited " + Duration.between(pendingSince.get(), now).toSeconds()
                    + " s for a successful sync (limit " + syncTimeout.toSeconds() + " s)");
        }
        if (source.degraded()) {
            Instant since = source.failingSince(started).orElse(now);
            if (Duration.between(since, now).compareTo(sourceGrace) > 0) {
                return new Verdict(false, "the source (" + source.description() + ") has failed for " + Duration.between(since, now).toSeconds()
                        + " s (limit " + sourceGrace.toSeconds() + " s): " + source.lastError().orElse("?"));
            }
        }
        return new Verdict(true, "");
    }
}
