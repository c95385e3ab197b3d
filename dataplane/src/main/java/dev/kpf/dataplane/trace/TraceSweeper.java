package dev.kpf.dataplane.trace;

import dev.kpf.probes.bpf.PinDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's part of "tracing turns off when the last tracer leaves": every interval it frees the ring slots of
 * tracers that died without cleaning up (kill -9), so the programs stop writing events nobody reads.
 */
public final class TraceSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kpf.trace");

    private final TraceControl control;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kpf-trace-sweep").unstarted(r));

    private TraceSweeper(TraceControl control, Duration every) {
        this.control = control;
        timer.scheduleWithFixedDelay(this::sweep, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static TraceSweeper start(PinDirectory pins, Duration every) {
        return new TraceSweeper(TraceControl.open(pins), every);
    }

    private void sweep() {
        try {
            int freed = control.sweep();
            if (freed > 0) LOG.atInfo().setMessage("freed the trace slots of tracers that are gone").addKeyValue("slots", freed).addKeyValue("tracing", control.on() ? "on" : "off").log();
        } catch (RuntimeException e) {
            LOG.atWarn().setMessage("trace sweep failed").addKeyValue("error", e.getMessage()).log();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.close();
    }
}
