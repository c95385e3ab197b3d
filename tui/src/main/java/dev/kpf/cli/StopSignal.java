package dev.kpf.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits for Ctrl-C or SIGTERM (or a time limit) in long-running commands, and lets the command finish its
 * clean-up before the JVM halts: the shutdown hook signals the stop, then waits (at most 10 s) for {@link #close()}.
 */
final class StopSignal implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook = new Thread(() -> {
        stop.countDown();
        try {
            done.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    });

    StopSignal() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Blocks until a signal arrives, or {@code seconds} pass when positive. */
    void await(long seconds) throws InterruptedException {
        if (seconds > 0) stop.await(seconds, TimeUnit.SECONDS);
        else stop.await();
    }

    /** Stops as a signal would (something the command waits on failed). */
    void stopNow() {
        stop.countDown();
    }

    /** Whether a signal arrived (for loops that poll something else). */
    boolean stopped() {
        return stop.getCount() == 0;
    }

    /** Clean-up is done: a pending shutdown may proceed; without one, the hook is removed. */
    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and now returns
        }
    }
}
