package dev.kpf.dataplane.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Optional;

/**
 * Says in the agent's log, usually before it is too late, that its heap cannot hold much more: after a full collection the
 * old generation still holds {@link #THRESHOLD} of what it may grow to. An agent that does run out exits with code 3
 * ({@code -XX:+ExitOnOutOfMemoryError} in {@link AgentJvm}) and is restarted by its DaemonSet; this warning is the
 * line in {@code kubectl logs --previous} that says what to raise. Usually: the JVM notifies on another thread after
 * a collection, and an allocation burst that goes from under the threshold to out of memory within one collection
 * exits before anything is logged. Without both, an agent whose main thread died of
 * an {@code OutOfMemoryError} stayed up, never ready and never restarted ({@code KpfLauncherIT}).
 * <p>
 * The JVM checks the threshold after each collection of the pool and notifies on another thread ({@link Gate} keeps
 * the warnings few). Only pools that have a usage threshold take part (the old generation; eden and survivors have none).
 */
public final class HeapWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kpf.agent");
    /** The share of the old generation's maximum that, still live after a collection, gets a warning. */
    static final double THRESHOLD = 0.8;
    static final String REMEDY = "raise -Xmx in KPF_JAVA_OPTS (the kpf-agent ConfigMap) and the container's memory limit by as much";

    private final NotificationEmitter emitter;
    private final NotificationListener listener;
    private final List<MemoryPoolMXBean> pools;

    private HeapWatch(NotificationEmitter emitter, NotificationListener listener, List<MemoryPoolMXBean> pools) {
        this.emitter = emitter;
        this.listener = listener;
        this.pools = pools;
    }

    /** Watches this JVM's old generation until closed (an agent process watches for as long as it runs). */
    public static HeapWatch start() {
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported() && p.isCollectionUsageThresholdSupported()
                        && p.getUsage().getMax() > 0)
                .toList();
        for (MemoryPoolMXBean p : pools) p.setCollectionUsageThreshold(threshold(p.getUsage().getMax()));
        long xmx = maxHeapOption().orElse(Runtime.getRuntime().maxMemory());
        Gate gate = new Gate(System::nanoTime);
        NotificationListener listener = (Notification n, Object handback) -> {
            if (!MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType())) return;
            MemoryNotificationInfo info = MemoryNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
            if (!gate.pass(info.getUsage().getUsed(), info.getUsage().getMax())) return;
            LOG.atWarn().setMessage(message())
                    .addKeyValue("pool", info.getPoolName())
                    .addKeyValue("live_mb", info.getUsage().getUsed() >> 20)
                    .addKeyValue("pool_max_mb", info.getUsage().getMax() >> 20)
                    .addKeyValue("xmx_mb", xmx >> 20)
                    .addKeyValue("remedy", REMEDY).log();
        };
        NotificationEmitter emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
        emitter.addNotificationListener(listener, null, null);
        return new HeapWatch(emitter, listener, pools);
    }

    /**
     * Which crossings are logged: a heap that stays nearly full crosses after every full collection (ten times in the
     * second before an agent at 48 MB ran out), so after one warning the next comes when what is live grew by another
     * {@link #GROWTH} of the pool's maximum, or {@link #QUIET_NANOS} later. Called on the JVM's notification thread only.
     */
    static final class Gate {
        static final double GROWTH = 0.05;
        static final long QUIET_NANOS = 300_000_000_000L;
        private final java.util.function.LongSupplier nanoTime;
        private long lastLive = -1;
        private long lastNanos;

        Gate(java.util.function.LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
        }

        boolean pass(long live, long max) {
            long now = nanoTime.getAsLong();
            if (lastLive >= 0 && now - lastNanos < QUIET_NANOS && live - lastLive < (long) (max * GROWTH)) return false;
            lastLive = live;
            lastNanos = now;
            return true;
        }
    }

    /** The log message (KpfLauncherIT and kpf bench memory find the warning by it). */
    public static String message() {
        return "heap nearly full: the agent exits with code 3 if it runs out";
    }

    /** The collection usage at which a pool of {@code max} bytes warns. */
    static long threshold(long max) {
        return (long) (max * THRESHOLD);
    }

    /** -Xmx as given (the heap's reported maximum leaves out one survivor space). */
    private static Optional<Long> maxHeapOption() {
        try {
            var diagnostic = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Optional.of(Long.parseLong(diagnostic.getVMOption("MaxHeapSize").getValue()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stops watching: the listener goes and the thresholds are off again (0). */
    @Override
    public void close() {
        try {
            emitter.removeNotificationListener(listener);
        } catch (ListenerNotFoundException e) {
            // already gone
        }
        for (MemoryPoolMXBean p : pools) p.setCollectionUsageThreshold(0);
    }
}
