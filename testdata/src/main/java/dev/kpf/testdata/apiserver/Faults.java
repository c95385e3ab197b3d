package dev.kpf.testdata.apiserver;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults the fake API server injects on demand: the next N requests fail with a status (500, 503...), responses
 * are delayed, resources answer 403 as if RBAC were missing, and open watches are dropped.
 */
public final class Faults {
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus = 500;
    private final AtomicLong delayMillis = new AtomicLong();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final AtomicLong watchGeneration = new AtomicLong();
    private volatile boolean down;
    private final AtomicInteger downAfter = new AtomicInteger(-1);

    /** The next {@code count} requests (of any kind) answer {@code status} with a Status body. */
    public void failNext(int count, int status) {
        failStatus = status;
        failNext.set(count);
    }

    /** Every request fails with 503 until {@link #up()}: an API outage. */
    public void down() {
        down = true;
        dropWatches();
    }

    public void up() {
        down = false;
        downAfter.set(-1);
    }

    /** Serves {@code requests} more requests, then goes {@link #down()}: an outage in the middle of a client's run. */
    public void downAfter(int requests) {
        downAfter.set(requests);
    }

    public void delay(long millis) {
        delayMillis.set(millis);
    }

    /** Requests for this resource (plural, e.g. daemonsets) answer 403 Forbidden. */
    public void forbid(String plural) {
        forbidden.add(plural);
    }

    public void allow(String plural) {
        forbidden.remove(plural);
    }

    /** Ends every open watch stream now (clients must re-watch). */
    public void dropWatches() {
        watchGeneration.incrementAndGet();
    }

    long watchGeneration() {
        return watchGeneration.get();
    }

    /** The status to fail this request with, or 0 to serve it. */
    int failureFor(String plural) {
        if (downAfter.get() >= 0 && downAfter.getAndDecrement() == 0) {
            downAfter.set(-1);
            down();
        }
        if (down) return 503;
        if (plural != null && forbidden.contains(plural)) return 403;
        while (true) {
            int n = failNext.get();
            if (n <= 0) return 0;
            if (failNext.compareAndSet(n, n - 1)) return failStatus;
        }
    }

    long delayMillis() {
        return delayMillis.get();
    }
}
