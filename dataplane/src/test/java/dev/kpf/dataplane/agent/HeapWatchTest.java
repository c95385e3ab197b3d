package dev.kpf.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the agent says its heap is nearly full (the process-level behaviour is KpfLauncherIT's). */
class HeapWatchTest {
    private static final long MB = 1L << 20;

    @Test
    void the_threshold_is_four_fifths_of_the_pool() {
        assertEquals(80 * MB, HeapWatch.threshold(100 * MB));
    }

    @Test
    void watching_sets_a_threshold_on_the_old_generation_and_closing_takes_it_away() {
        java.util.List<java.lang.management.MemoryPoolMXBean> old = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP && p.isUsageThresholdSupported()
                        && p.isCollectionUsageThresholdSupported() && p.getUsage().getMax() > 0)
                .toList();
        assertFalse(old.isEmpty(), "this JVM's collector has a pool with thresholds");
        try (HeapWatch ignored = HeapWatch.start()) {
            for (var p : old) assertEquals(HeapWatch.threshold(p.getUsage().getMax()), p.getCollectionUsageThreshold(), p.getName());
        }
        for (var p : old) assertEquals(0, p.getCollectionUsageThreshold(), p.getName() + " after close");
    }

    @Test
    void a_heap_that_stays_nearly_full_is_reported_again_only_when_it_grew_or_after_a_quiet_spell() {
        AtomicLong now = new AtomicLong(1_000);
        HeapWatch.Gate gate = new HeapWatch.Gate(now::get);
        assertTrue(gate.pass(81 * MB, 100 * MB), "the first crossing");
        now.addAndGet(1_000_000_000L);
        assertFalse(gate.pass(82 * MB, 100 * MB), "a second later, 1 MB more: the same news");
        assertFalse(gate.pass(85 * MB, 100 * MB), "4 MB more than the last warning");
        assertTrue(gate.pass(86 * MB, 100 * MB), "5 % of the pool more than the last warning");
        assertFalse(gate.pass(86 * MB, 100 * MB));
        now.addAndGet(HeapWatch.Gate.QUIET_NANOS);
        assertTrue(gate.pass(86 * MB, 100 * MB), "five minutes later, said again");
    }
}
