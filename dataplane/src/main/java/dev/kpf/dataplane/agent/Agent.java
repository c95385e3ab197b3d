package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.MapLayout;
import dev.kpf.dataplane.bpf.SyncReport;
import dev.kpf.dataplane.lb.IncrementalTranslator;
import dev.kpf.dataplane.lb.LbDiff;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.source.ClusterSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The headless agent's sync loop: every state the source publishes is translated incrementally and applied to the
 * datapath, which writes only what differs. Ready after the first state is programmed. Closing it stops the source
 * and releases the datapath's handles; what is programmed stays in the kernel.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kpf.agent");

    private final ClusterSource source;
    private final ServiceTranslator translator;
    private final IncrementalTranslator incremental;
    /** One full collection after the first sync, and later ones when the heap grew well past what is live. */
    private final HeapReturn heapReturn = HeapReturn.ofThisJvm();
    private final Datapath datapath;
    private final AgentMetrics metrics;
    private final Clock clock;
    private volatile boolean ready;
    private volatile long syncs;
    private volatile Instant lastSync;
    /** When the oldest state not yet programmed arrived; null when everything received is programmed. */
    private volatile Instant pendingSince;
    private volatile Instant started;
    /** The last sync that programmed everything without errors. */
    private volatile Instant lastUpdated;
    private volatile Duration lastSyncDuration;
    private volatile int frontends;
    private volatile long backends;
    private volatile List<Problem> lastErrors = List.of();
    private volatile LbTable desired;
    private volatile HealthCheckPorts healthChecks;
    private volatile dev.kpf.dataplane.bpf.SweepReport lastSweep = dev.kpf.dataplane.bpf.SweepReport.NONE;
    private long lastFullApply;
    private static final Duration FULL_APPLY_INTERVAL = Duration.ofMinutes(5);
    /** Bounds the trigger times kept while syncs fail (beyond it, changes go unmeasured rather than memory unbounded). */
    private static final int MAX_PENDING_TRIGGERS = 10_000;
    /** EndpointSlice trigger times not yet programmed, by service (kube-proxy's lastChangeTriggerTimes). */
    private final Map<String, List<Instant>> pendingTriggers = new java.util.HashMap<>();
    private int pendingTriggerCount;
    /** Completed, with the reason, when the agent refuses to program anything (its node is not in the cluster). */
    private final java.util.concurrent.CompletableFuture<String> refusal = new java.util.concurrent.CompletableFuture<>();
    private boolean nodeChecked;

    public Agent(ClusterSource source, ServiceTranslator translator, Datapath datapath, AgentMetrics metrics, Clock clock) {
        this.source = source;
        this.translator = translator;
        this.incremental = new IncrementalTranslator(translator);
        this.datapath = datapath;
        this.metrics = metrics;
        this.clock = clock;
        metrics.exportCounters(datapath::counters, () -> desired);
        metrics.exportTcEvents(datapath::tcEvents);
    }

    /**
     * Frees the conntrack entries of flows that ended (the agent calls it every 30 s); its cost and what it freed go
     * to the metrics and the log.
     */
    public void sweepConntrack() {
        try {
            dev.kpf.dataplane.bpf.SweepReport r = datapath.sweepConntrack();
            lastSweep = r;
            metrics.conntrackEntries.set(r.scanned() - r.deleted());
            metrics.conntrackSwept.inc(r.deleted());
            metrics.sweepCpu.inc(r.cpuNanos() / 1e9);
            if (r.deleted() > 0) {
                LOG.atDebug().setMessage("conntrack sweep").addKeyValue("scanned", r.scanned()).addKeyValue("deleted", r.deleted())
                        .addKeyValue("cpu_ms", r.cpuNanos() / 1_000_000).log();
            }
        } catch (RuntimeException e) {
            LOG.atWarn().setMessage("conntrack sweep failed; expired flows stay until a packet finds them").addKeyValue("error", e.getMessage()).log();
        }
    }

    /**
     * Gives heap back when it grew and no sync came to do it (a burst of changes that ended): the agent's runtime calls
     * it every 30 s; under this agent's lock, so never in the middle of a sync.
     */
    public synchronized void returnHeapWhenIdle() {
        try {
            logReturned(heapReturn.whenIdle());
        } catch (RuntimeException e) {
            // the timer would stop for good on a throw; the next tick tries again
            LOG.atWarn().setMessage("returning heap failed").addKeyValue("error", String.valueOf(e.getMessage())).log();
        }
    }

    private static void logReturned(HeapReturn.Collected collected) {
        if (collected == null) return;
        LOG.atInfo().setMessage("returned heap to the system").addKeyValue("heap_committed_mb_before", collected.committedBefore() >> 20)
                .addKeyValue("heap_committed_mb", collected.committedAfter() >> 20).addKeyValue("heap_live_mb", collected.live() >> 20)
                .addKeyValue("took_ms", collected.tookNanos() / 1_000_000).log();
    }

    /** What the last conntrack sweep did. */
    public dev.kpf.dataplane.bpf.SweepReport lastSweep() {
        return lastSweep;
    }

    public void start() {
        started = clock.instant();
        LOG.atInfo().setMessage("starting").addKeyValue("node", translator.nodeName()).addKeyValue("datapath", datapath.describe()).log();
        source.start(this::onState);
    }

    private synchronized void onState(ClusterState state) {
        if (refusal.isDone() || !nodeKnown(state)) return;
        long t0 = System.nanoTime();
        if (pendingSince == null) {
            pendingSince = clock.instant();
            metrics.lastQueued.set(pendingSince.toEpochMilli() / 1000.0);
        }
        try {
            countChanges(incremental.load(state));
            LbDiff diff = incremental.sync();
            LbTable table = incremental.table();
            desired = table;
            // the first sync (which reconciles whatever an earlier agent left) and one after errors write the whole
            // table; a periodic one first re-reads the maps (whatever changed them behind the agent's back is
            // repaired); the others write only the diff
            boolean periodic = lastFullApply != 0 && System.nanoTime() - lastFullApply > FULL_APPLY_INTERVAL.toNanos();
            boolean full = lastFullApply == 0 || periodic || !lastErrors.isEmpty();
            SyncReport report = periodic ? datapath.reconcile(table) : full ? datapath.apply(table) : datapath.applyChanges(table, diff);
            if (full) lastFullApply = System.nanoTime();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            syncs++;
            lastSync = clock.instant();
            lastSyncDuration = took;
            frontends = table.size();
            Map<String, long[]> usage = datapath.mapUsage();
            // what the backend maps hold, which the writer counts as it writes; counting the table's backends again on
            // every sync was most of what a sync allocated under endpoint churn (kpf bench memory's changes)
            backends = usage.isEmpty() ? table.backendCount()
                    : usage.getOrDefault(MapLayout.BACKENDS4, new long[1])[0] + usage.getOrDefault(MapLayout.BACKENDS6, new long[1])[0];
            lastErrors = report.errors();
            if (lastErrors.isEmpty()) {
                observeProgrammed(lastSync);
                pendingSince = null;
                lastUpdated = lastSync;
            }
            metrics.syncDuration.observe(took.toNanos() / 1e9);
            (full ? metrics.syncFullDuration : metrics.syncPartialDuration).observe(took.toNanos() / 1e9);
            metrics.lastSync.set(lastSync.toEpochMilli() / 1000.0);
            metrics.services.set(frontends);
            metrics.backends.set(backends);
            usage.forEach((map, used) -> {
                metrics.mapEntries.labelValues(map).set(used[0]);
                metrics.mapCapacity.labelValues(map).set(used[1]);
            });
            report.errors().forEach(e -> metrics.syncErrors.labelValues(e.message().contains("is full") ? "map_full" : "write").inc());
            if (lastErrors.isEmpty()) {
                // last: once a scrape has seen nothing pending, a later one sees every metric of the sync that took the
                // changes (cleared before the durations were observed, it could find that sync counted as neither)
                metrics.endpointChangesPending.set(0);
                metrics.serviceChangesPending.set(0);
            }
            HealthCheckPorts checks = healthChecks;
            if (checks != null) {
                checks.update(table);
                checks.failures().values().forEach(f -> LOG.atWarn().setMessage("cannot serve").addKeyValue("what", f).log());
            }
            boolean first = !ready;
            if (first) LOG.atInfo().setMessage("ready").addKeyValue("frontends", frontends).addKeyValue("backends", backends).log();
            ready = true;
            LOG.atInfo().setMessage("synced").addKeyValue("kind", full ? periodic ? "reconcile" : "full" : "partial")
                    .addKeyValue("frontends", frontends).addKeyValue("backends", backends)
                    .addKeyValue("changed", diff.added().size() + diff.removed().size() + diff.changed().size())
                    .addKeyValue("written", report.frontendsWritten() + report.backendsWritten())
                    .addKeyValue("deleted", report.frontendsDeleted() + report.backendsDeleted()).addKeyValue("errors", report.errors().size())
                    .addKeyValue("took_ms", String.format(java.util.Locale.ROOT, "%.1f", took.toNanos() / 1e6)).log();
            for (Problem p : report.errors()) LOG.atWarn().setMessage("sync error").addKeyValue("object", p.object()).addKeyValue("error", p.message()).log();
            logReturned(heapReturn.afterSync());
        } catch (RuntimeException e) {
            metrics.syncErrors.labelValues("exception").inc();
            // the next sync writes the whole table
            lastErrors = List.of(new Problem("", "sync", "sync failed: " + e.getMessage()));
            LOG.atError().setMessage("sync failed; the last programmed state stays").addKeyValue("error", e.getMessage()).setCause(e).log();
        }
    }

    /**
     * On the first state: whether this node is one of the cluster's Nodes. When the source lists Nodes and this one
     * is not among them the agent refuses (NodePorts on every address, Local Services without their endpoints): it
     * programs nothing, so whatever an earlier agent programmed stays. A source without any Node cannot be checked.
     */
    private boolean nodeKnown(ClusterState state) {
        if (nodeChecked) return true;
        nodeChecked = true;
        switch (dev.kpf.dataplane.model.NodeCheck.of(translator.nodeName(), state)) {
            case dev.kpf.dataplane.model.NodeCheck.Unknown u -> {
                LOG.atError().setMessage("refusing to program: this node is not in the cluster").addKeyValue("node", translator.nodeName())
                        .addKeyValue("error", u.message()).log();
                refusal.complete(u.message());
                return false;
            }
            case dev.kpf.dataplane.model.NodeCheck.Unlisted u -> LOG.atWarn()
                    .setMessage("the source lists no Nodes: the node name cannot be checked (NodePort addresses and the zone stay unknown)")
                    .addKeyValue("node", u.name()).log();
            case dev.kpf.dataplane.model.NodeCheck.Known k -> { }
        }
        return true;
    }

    /**
     * Completes with the reason when the agent refuses to program anything (its node name is not one of the
     * cluster's Nodes); the process that runs it should stop with that message.
     */
    public java.util.concurrent.CompletableFuture<String> refusal() {
        return refusal.copy();
    }

    /** Services and EndpointSlices added, changed or deleted since the previous state: kube-proxy's change counters. */
    private void countChanges(IncrementalTranslator.Changes changes) {
        metrics.serviceChanges.inc(changes.services());
        metrics.endpointChanges.inc(changes.slices());
        metrics.serviceChangesPending.inc(changes.services());
        metrics.endpointChangesPending.inc(changes.slices());
        changes.sliceRemoved().forEach(service -> {
            List<Instant> forgotten = pendingTriggers.remove(service);
            if (forgotten != null) pendingTriggerCount -= forgotten.size();
        });
        changes.triggerTimes().forEach((service, times) -> {
            for (Instant t : times) {
                // as kube-proxy: a change triggered before the agent started is not the agent's latency
                if ((started != null && !t.isAfter(started)) || pendingTriggerCount >= MAX_PENDING_TRIGGERS) continue;
                pendingTriggers.computeIfAbsent(service, k -> new java.util.ArrayList<>()).add(t);
                pendingTriggerCount++;
            }
        });
    }

    /** Network programming latency: from each programmed change's trigger time in the API to now. */
    private void observeProgrammed(Instant now) {
        pendingTriggers.values().forEach(times -> times.forEach(t ->
                metrics.programmingDuration.observe(Math.max(0, Duration.between(t, now).toNanos()) / 1e9)));
        pendingTriggers.clear();
        pendingTriggerCount = 0;
    }

    public boolean ready() {
        return ready;
    }

    /** Waits (polling every 20 ms, at most {@code timeout}) for the first programmed sync; whether it came. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready && System.nanoTime() < deadline) Thread.sleep(20);
        return ready;
    }

    /** /healthz's verdict under {@code policy}, now. */
    public AgentHealthPolicy.Verdict health(AgentHealthPolicy policy) {
        Instant now = clock.instant();
        return policy.judge(now, Optional.ofNullable(pendingSince), source.status(), started == null ? now : started);
    }

    /** When the last sync programmed everything it was given without errors (kube-proxy's lastUpdated). */
    public Optional<Instant> lastUpdated() {
        return Optional.ofNullable(lastUpdated);
    }

    /** Serves the health check node ports of externalTrafficPolicy Local Services from the next sync on. */
    public Agent serveHealthChecks(HealthCheckPorts ports) {
        this.healthChecks = ports;
        return this;
    }

    /** The table last translated from the source: the API's intent, to compare with what the maps hold (null before the first sync). */
    public LbTable desired() {
        return desired;
    }

    public Datapath datapath() {
        return datapath;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    public AgentStatus status() {
        return new AgentStatus(translator.nodeName(), source.status(), datapath.describe(), datapath.simulated(), ready, syncs,
                Optional.ofNullable(lastSync), Optional.ofNullable(lastSyncDuration), frontends, backends, lastErrors);
    }

    /** Stops watching; the datapath's handles are released but what is programmed stays (restart-safe). */
    @Override
    public void close() {
        HealthCheckPorts checks = healthChecks;
        if (checks != null) checks.close();
        source.close();
        datapath.close();
        LOG.atInfo().setMessage("stopped").addKeyValue("datapath", "left in place").log();
    }
}
