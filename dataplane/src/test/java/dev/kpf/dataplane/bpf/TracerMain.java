package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.trace.Tracer;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A tracer as its own process for {@link TraceKernelIT}: starts tracing the pins given, prints "tracing slot=N"
 * and polls until killed (at most 120 s).
 */
public final class TracerMain {
    public static void main(String[] args) {
        try (Tracer tracer = Tracer.start(new PinDirectory(Path.of(args[0])))) {
            System.out.println("tracing slot=" + tracer.slot());
            System.out.flush();
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < end) tracer.poll(Duration.ofMillis(200), e -> {});
        }
    }
}
