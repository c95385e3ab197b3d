package dev.kpf.dataplane.agent;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.function.LongSupplier;

/**
 * Gives the heap back to the system when it has grown well past what is live, by one full collection (which, with
 * the agent's {@code -XX:MaxHeapFreeRatio}, shrinks the heap at once: {@link AgentJvm}). The serial collector
 * returns memory only after a full collection, and it expands the old generation to take promoted objects before it
 * runs one, so without this an agent's heap creeps towards {@code -Xmx}: the first sync's peak stays, and endpoint
 * churn promotes a few kilobytes of short-lived objects per change. {@code kpf bench memory} at 10,000 Services x 10
 * endpoints, with only the collection after the first sync: 194 MB resident, then +11, +6 and +8 MB over three rounds
 * of 2,000 changes (by hand with NMT: the heap went from 103 to 122 MB with no full collection); with these rules:
 * 195, 207, 203 and 205 MB. Without the first collection ({@code -XX:+DisableExplicitGC}, by hand) the agent settled
 * at 220 instead of 194 MB.
 * <p>
 * Rules: a full collection after the first sync (its whole list, decoding and writes are garbage then); after that,
 * at most one per {@link #MIN_INTERVAL_NANOS}, when the heap's committed size exceeds what was live after the last
 * one by a quarter or by 16 MB, whichever is more; the same rules again every 30 s without a sync ({@link #whenIdle}),
 * since a burst that ends within 30 s of a collection leaves the heap grown with no sync to come (by hand, 12,000
 * changes at 10,000 x 10: 235 MB resident for as long as the agent stayed idle, the old generation 99 % full of
 * garbage). One collection takes about 150 ms at 10,000 x 10, on the sync thread after a sync or under the agent's
 * lock on its timer: at most 0.5 % of a core under endless churn.
 */
final class HeapReturn {
    static final long MIN_INTERVAL_NANOS = 30_000_000_000L;
    private static final long MIN_GROWTH = 16L << 20;

    private final LongSupplier committed;
    private final LongSupplier used;
    private final Runnable collect;
    private final LongSupplier nanoTime;
    private long liveAfterLast = -1;
    private long lastNanos;

    HeapReturn(LongSupplier committed, LongSupplier used, Runnable collect, LongSupplier nanoTime) {
        this.committed = committed;
        this.used = used;
        this.collect = collect;
        this.nanoTime = nanoTime;
    }

    /** The running JVM's heap and {@code System.gc()}. */
    static HeapReturn ofThisJvm() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        return new HeapReturn(() -> memory.getHeapMemoryUsage().getCommitted(), () -> memory.getHeapMemoryUsage().getUsed(),
                System::gc, System::nanoTime);
    }

    /** What one collection did: the heap's committed size before and after, and what stayed live. */
    record Collected(long committedBefore, long committedAfter, long live, long tookNanos) {}

    /**
     * Called after every sync that did not throw (also one whose writes reported errors); collects when the rules above
     * say so, and says what it did (null: nothing).
     */
    Collected afterSync() {
        long now = nanoTime.getAsLong();
        if (liveAfterLast >= 0) {
            if (now - lastNanos < MIN_INTERVAL_NANOS) return null;
            if (committed.getAsLong() <= liveAfterLast + Math.max(MIN_GROWTH, liveAfterLast / 4)) return null;
        }
        long before = committed.getAsLong();
        collect.run();
        lastNanos = nanoTime.getAsLong();
        liveAfterLast = used.getAsLong();
        return new Collected(before, committed.getAsLong(), liveAfterLast, lastNanos - now);
    }

    /**
     * Called every {@link AgentRuntime#PERIOD} whether or not a sync ran: the same rules, so that a heap grown by a
     * burst of changes that ended within 30 s of the last collection is returned too; nothing before the first sync
     * (whose collection comes after it).
     */
    Collected whenIdle() {
        return liveAfterLast < 0 ? null : afterSync();
    }
}
