package dev.kpf.dataplane.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * When the agent collects to give heap back: after its first sync always; after that only when the committed heap
 * exceeds what was live after the last collection by a quarter or 16 MB (whichever is more), and at most once per
 * 30 s. A heap model stands in for the JVM: collecting drops the committed size to what is live.
 */
class HeapReturnTest {
    private static final long MB = 1 << 20;

    private long committed = 180 * MB, live = 70 * MB, now, collections;

    private HeapReturn heapReturn() {
        return new HeapReturn(() -> committed, () -> live, () -> {
            collections++;
            committed = live + live / 10;
        }, () -> now);
    }

    @Test
    void the_first_sync_is_followed_by_one_collection() {
        HeapReturn r = heapReturn();
        HeapReturn.Collected c = r.afterSync();
        assertNotNull(c);
        assertEquals(180 * MB, c.committedBefore());
        assertEquals(77 * MB, c.committedAfter());
        assertEquals(70 * MB, c.live());
        assertEquals(1, collections);
    }

    @Test
    void later_syncs_collect_only_when_the_heap_grew_past_a_quarter_of_what_is_live_and_not_within_30_s() {
        HeapReturn r = heapReturn();
        r.afterSync();
        // 17 MB over what is live (70 MB): more than 16 MB but below a quarter (17.5 MB): nothing
        now += HeapReturn.MIN_INTERVAL_NANOS;
        committed = 87 * MB;
        assertNull(r.afterSync());
        // past a quarter (88 - 70 = 18 MB), 30 s after the last collection: collects
        committed = 88 * MB;
        assertNotNull(r.afterSync());
        assertEquals(2, collections);
        // grown again at once: not within 30 s
        committed = 150 * MB;
        now += HeapReturn.MIN_INTERVAL_NANOS - 1;
        assertNull(r.afterSync());
        now += 1;
        assertNotNull(r.afterSync());
        assertEquals(3, collections);
    }

    @Test
    void a_small_heap_may_grow_by_16_mb_before_a_collection() {
        live = 8 * MB;
        committed = 40 * MB;
        HeapReturn r = heapReturn();
        r.afterSync();
        now += HeapReturn.MIN_INTERVAL_NANOS;
        committed = 8 * MB + 16 * MB;
        assertNull(r.afterSync(), "16 MB over live is allowed");
        committed += 1;
        assertNotNull(r.afterSync());
    }

    /**
     * A burst of changes that ends within 30 s of the last collection leaves the heap grown, and no sync comes to
     * return it: the agent's 30 s tick does (by hand: 235 MB resident for as long as the agent stayed idle after
     * 12,000 changes, the old generation 99 % garbage-full).
     */
    @Test
    void a_heap_grown_by_a_burst_that_ended_is_returned_by_the_idle_check() {
        HeapReturn r = heapReturn();
        assertNull(r.whenIdle(), "before the first sync the idle check leaves the heap to it");
        assertEquals(0, collections);
        r.afterSync();
        committed = 120 * MB;
        now += HeapReturn.MIN_INTERVAL_NANOS / 2;
        assertNull(r.afterSync(), "within 30 s of the last collection");
        assertNull(r.whenIdle(), "still within 30 s");
        now += HeapReturn.MIN_INTERVAL_NANOS / 2;
        HeapReturn.Collected c = r.whenIdle();
        assertNotNull(c, "idle, 30 s after the last collection, the heap 50 MB over what is live");
        assertEquals(120 * MB, c.committedBefore());
        assertEquals(2, collections);
        now += HeapReturn.MIN_INTERVAL_NANOS;
        assertNull(r.whenIdle(), "nothing grew since");
    }
}
