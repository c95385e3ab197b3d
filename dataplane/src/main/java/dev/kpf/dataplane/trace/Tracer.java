package dev.kpf.dataplane.trace;

import dev.kpf.probes.bpf.BpfRingBuffer;
import dev.kpf.probes.bpf.PinDirectory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One listener of the socket programs' translations: while it is open, the programs write every translation to
 * its own ring buffer (tracing is on); closing it frees its slot (and turns tracing off when it was the last).
 * Filtering happens in user space. One thread polls.
 */
public final class Tracer implements AutoCloseable {
    private final TraceControl control;
    private final BpfRingBuffer ring;
    private final TraceControl.Claim claim;
    private final TraceEventCodec codec = new TraceEventCodec();
    private boolean closed;

    private Tracer(TraceControl control, BpfRingBuffer ring, TraceControl.Claim claim) {
        this.control = control;
        this.ring = ring;
        this.claim = claim;
    }

    /** Starts tracing the datapath pinned under {@code pins}, translations of Service addresses only. */
    public static Tracer start(PinDirectory pins) {
        return start(pins, false);
    }

    /**
     * Starts tracing the datapath pinned under {@code pins}; with {@code notServices} the programs also report
     * connects and datagrams to addresses that are no Service (while this tracer runs, to every tracer).
     */
    public static Tracer start(PinDirectory pins, boolean notServices) {
        TraceControl control = TraceControl.open(pins);
        BpfRingBuffer ring = null;
        try {
            ring = BpfRingBuffer.create("kpf_trace", TraceConfig.RING_BYTES);
            return new Tracer(control, ring, control.claim(ring.fd(), notServices));
        } catch (RuntimeException e) {
            if (ring != null) ring.close();
            control.close();
            throw e;
        }
    }

    /**
     * Waits up to {@code timeout} for events and hands each to {@code sink}; returns how many arrived. {@link #close()}
     * waits for a running poll, so keep timeouts short when another thread may close.
     */
    public synchronized int poll(Duration timeout, Consumer<TraceEvent> sink) {
        if (closed) throw new IllegalStateException("the tracer is closed");
        return ring.poll(timeout, segment -> sink.accept(codec.decode(segment)));
    }

    /** Events the programs could not write because this tracer's ring was full (it fell behind). */
    public long lost() {
        return control.lost(claim.slot());
    }

    /** The ring slot this tracer holds (0-7). */
    public int slot() {
        return claim.slot();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            control.release(claim);
        } finally {
            ring.close();
            control.close();
        }
    }
}
