package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.IncrementalTranslator;
import dev.kpf.dataplane.lb.LbDiff;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.testdata.churn.ChurnCluster;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The map writer under seeded random churn against in-memory maps that check the readers' invariant
 * ({@link ReaderInvariant}) after every single entry written, with failures injected at random syscalls. After
 * every sync that ends clean, and after the sync that follows a failure, the maps hold exactly the intent
 * ({@link ProgrammedExactly}). A failing run names its seed: {@code -Dkpf.churn.seed=N} replays it alone.
 */
class MapWriterChurnTest {
    private static final int STEPS = Integer.getInteger("kpf.churn.steps", 1500);

    /** What one churn run did. */
    record Run(long seed, int steps, int syncs, int failedSyncs, long checks, int restarts) {}

    private static long[] seeds(int n, long base) {
        String one = System.getProperty("kpf.churn.seed");
        if (one != null) return new long[] {Long.parseLong(one)};
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = base + i;
        return s;
    }

    /**
     * Runs {@code steps} changes of a {@link ChurnCluster} through the incremental translator into a writer, syncing
     * each change as the agent does (the diff, or the whole table after an error or a restart), restarting the writer
     * now and then (sometimes toggling Maglev). Fails with the seed on the first broken invariant.
     */
    static Run churn(long seed, int steps, double faultRate) {
        Random random = new Random(seed);
        FakeKernel kernel = new FakeKernel(seed);
        FakeMaps maps = new FakeMaps(kernel, Map.of());
        ReaderInvariant invariant = new ReaderInvariant(maps, seed);
        kernel.observe(invariant::written);
        ChurnCluster cluster = new ChurnCluster(seed, true);
        IncrementalTranslator translator = new IncrementalTranslator(new ServiceTranslator(ChurnCluster.NODE));
        boolean maglev = random.nextBoolean();
        MapWriter writer = new MapWriter(maps.writerMaps(), maglev, 251);
        boolean clean = true, full = true;
        int syncs = 0, failed = 0, restarts = 0;
        for (int step = 0; step < steps; step++) {
            String what = step == 0 ? "start" : cluster.step();
            String where = "seed " + seed + " step " + step + " (" + what + ")";
            translator.load(cluster.state());
            LbDiff diff = translator.sync();
            LbTable intent = translator.table();
            if (step > 0 && random.nextInt(50) == 0) {
                if (random.nextBoolean()) maglev = !maglev;
                writer = new MapWriter(maps.writerMaps(), maglev, 251);
                invariant.writerRestarted();
                restarts++;
                full = true;
            }
            invariant.syncStarts(intent, clean, where);
            kernel.faultRate(faultRate);
            SyncReport report;
            try {
                boolean whole = full || random.nextInt(10) == 0;
                report = whole ? writer.apply(intent) : writer.applyChanges(diff);
                if (!whole && report.errors().isEmpty()) {
                    List<String> stale = staleAddresses(writer.backendMirror(), diff);
                    if (!stale.isEmpty()) fail(where + ": the mirror holds addresses the written entries do not, replay with -Dkpf.churn.seed="
                            + seed + ":\n" + String.join("\n", stale));
                }
            } finally {
                kernel.faultRate(0);
            }
            syncs++;
            full = false;
            // as the agent does after errors: the whole table again, until a sync ends clean; sometimes the agent is
            // restarted first (a new writer on the half-written maps), and the retries may fail too
            for (int retry = 0; !report.errors().isEmpty(); retry++) {
                failed++;
                clean = false;
                if (random.nextInt(4) == 0) {
                    writer = new MapWriter(maps.writerMaps(), maglev, 251);
                    invariant.writerRestarted();
                    restarts++;
                }
                invariant.syncStarts(intent, false, where + ", retry " + retry + " after a failure (" + report.errors().getFirst().message() + ")");
                kernel.faultRate(retry < 3 ? faultRate : 0);
                try {
                    report = writer.apply(intent);
                } finally {
                    kernel.faultRate(0);
                }
                syncs++;
                if (retry >= 3) assertEquals(List.<Problem>of(), report.errors(), where + ": the sync after failures, without faults");
            }
            invariant.syncEnded();
            if (!invariant.violations().isEmpty()) fail("readers saw a broken invariant, replay with -Dkpf.churn.seed=" + seed + ":\n"
                    + String.join("\n", invariant.violations()));
            List<String> diffs = ProgrammedExactly.differences(maps, intent, maglev);
            if (!diffs.isEmpty()) fail(where + ": the maps do not hold the intent, replay with -Dkpf.churn.seed=" + seed + ":\n" + String.join("\n", diffs));
            clean = true;
        }
        return new Run(seed, steps, syncs, failed, invariant.checks(), restarts);
    }

    /**
     * The backends of the entries a diff wrote whose mirror entry (value or identity) holds an address object none of
     * those entries holds: the churn cluster makes new, equal addresses at every step, and the mirror is to share the
     * table's rather than keep those of endpoint versions that are gone.
     */
    static List<String> staleAddresses(BackendMirror mirror, LbDiff diff) {
        Map<ProgrammedState.BackendKey, java.util.Set<dev.kpf.dataplane.model.IpAddress>> written = new java.util.HashMap<>();
        List<LbEntry> entries = new java.util.ArrayList<>(diff.added());
        diff.changed().forEach(c -> entries.add(c.after()));
        for (LbEntry e : entries) {
            for (Backend b : e.backends()) {
                written.computeIfAbsent(new ProgrammedState.BackendKey(b.ip(), b.port(), b.protocol().number),
                        k -> java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>())).add(b.ip());
            }
        }
        List<String> stale = new java.util.ArrayList<>();
        written.forEach((key, held) -> {
            BackendValue value = mirror.get(key.address(), mirror.id(key));
            if (!held.contains(mirror.heldAddress(key))) stale.add(key + ": identity index");
            if (value == null || !held.contains(value.address())) stale.add(key + ": value " + value);
        });
        return stale;
    }

    @Test
    void under_random_churn_every_reader_resolves_only_to_its_own_services_backends() {
        long checks = 0;
        for (long seed : seeds(4, 1000)) {
            Run run = churn(seed, STEPS, 0);
            assertEquals(0, run.failedSyncs());
            checks += run.checks();
        }
        assertTrue(checks > 10_000, "the invariant was checked after every write: " + checks);
    }

    @Test
    void after_failures_at_random_syscalls_the_next_sync_brings_the_maps_back_to_the_intent() {
        int failed = 0;
        for (long seed : seeds(4, 2000)) failed += churn(seed, STEPS / 2, 0.05).failedSyncs();
        assertTrue(failed > 50, "faults were injected and syncs failed: " + failed);
    }
}
