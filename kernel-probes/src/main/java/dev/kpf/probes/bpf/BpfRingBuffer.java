package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.function.Consumer;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static dev.kpf.probes.bpf.Native.checkPointer;

/**
 * A BPF ring buffer this process created ({@code BPF_MAP_TYPE_RINGBUF}) and reads with libbpf's consumer. Programs
 * reach it through a map-in-map slot the owner fills with {@link #fd()}. One reader thread polls; records are handed
 * to the sink as segments valid only during the call. Not thread-safe: the owner must not close it while a poll
 * runs (Tracer serialises the two). Closing frees the consumer and the map (once no map-in-map
 * slot refers to it, the kernel frees the memory).
 */
public final class BpfRingBuffer implements AutoCloseable {
    public static final int BPF_MAP_TYPE_RINGBUF = 27;

    private final Arena arena = Arena.ofShared();
    private final OwnedFd map;
    private final MemorySegment consumer;
    private final String name;
    private Consumer<MemorySegment> sink = s -> {};
    private RuntimeException failure;

    private BpfRingBuffer(String name, int bytes) {
        this.name = name;
        try (Arena call = Arena.ofConfined()) {
            int fd = check(libbpf_h.bpf_map_create(callState(call), BPF_MAP_TYPE_RINGBUF, call.allocateFrom(name), 0, 0, bytes,
                    MemorySegment.NULL), "create ring buffer", name);
            map = new OwnedFd(fd, "ring buffer " + name);
        }
        try {
            MethodHandle target = MethodHandles.lookup().findVirtual(BpfRingBuffer.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this);
            MemorySegment callback = Linker.nativeLinker().upcallStub(target, libbpf_h.ring_buffer_sample_fn, arena);
            MemorySegment state = callState(arena);
            consumer = checkPointer(libbpf_h.ring_buffer__new(state, map.fd(), callback, MemorySegment.NULL, MemorySegment.NULL),
                    state, "open ring buffer consumer", name);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            close0(null);
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            close0(null);
            throw e;
        }
    }

    /** Creates a ring buffer of {@code bytes} (a power of two, a multiple of the page size). */
    public static BpfRingBuffer create(String name, int bytes) {
        return new BpfRingBuffer(name, bytes);
    }

    /** The map's descriptor, to put into a map-in-map slot. */
    public int fd() {
        return map.fd();
    }

    /**
     * Waits up to {@code timeout} for a wakeup and hands each record to {@code sink} (on this thread); when the wait
     * ends without one, reads whatever records are there anyway: a writer may add records without waking the reader
     * ({@code BPF_RB_NO_WAKEUP}, which kpf's programs use until a quarter of the ring is full). Returns how many
     * were read (0 when there were none).
     */
    public int poll(Duration timeout, Consumer<MemorySegment> sink) {
        this.sink = sink;
        failure = null;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = callState(call);
            int n = libbpf_h.ring_buffer__poll(state, consumer, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (failure != null) throw failure;
            // a wait that ended without a wakeup, or that a signal cut short (a child process ending: SIGCHLD),
            // still reads what is there: records written without a wakeup would otherwise wait for the next poll
            if (n == 0 || n == -Errno.EINTR) {
                n = libbpf_h.ring_buffer__consume(state, consumer);
                if (failure != null) throw failure;
                return check(n, "read ring buffer", name);
            }
            return check(n, "poll ring buffer", name);
        } finally {
            this.sink = s -> {};
        }
    }

    /**
     * The upcall: never lets anything thrown cross into C (that would end the JVM); the first is rethrown by poll.
     * Returning non-zero makes libbpf stop this poll.
     */
    @SuppressWarnings("unused")
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            sink.accept(data.reinterpret(size));
            return 0;
        } catch (Throwable t) {
            if (failure == null) failure = t instanceof RuntimeException r ? r : new IllegalStateException("trace sink failed: " + t, t);
            return -1;
        }
    }

    @Override
    public void close() {
        close0(consumer);
    }

    private void close0(MemorySegment rb) {
        if (!arena.scope().isAlive()) return;
        if (rb != null) {
            try (Arena call = Arena.ofConfined()) {
                libbpf_h.ring_buffer__free(callState(call), rb);
            }
        }
        map.close();
        arena.close();
    }
}
