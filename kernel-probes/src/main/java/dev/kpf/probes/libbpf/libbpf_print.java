package dev.kpf.probes.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.BiConsumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The upcall behind {@code libbpf_set_print}: libbpf calls {@code int fn(enum libbpf_print_level, const char *fmt,
 * va_list args)}; the message is formatted with the C library's {@code vsnprintf} and handed to a Java sink.
 * (On x86_64 and arm64 a {@code va_list} parameter arrives as a pointer, which {@code vsnprintf} takes as is.)
 */
public final class libbpf_print {
    private libbpf_print() {}

    public static final int LIBBPF_WARN = 0, LIBBPF_INFO = 1, LIBBPF_DEBUG = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    static final FunctionDescriptor PRINT_FN = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);

    /** {@code int vsnprintf(char *str, size_t size, const char *format, va_list ap)}. */
    public static final libbpf_h.Binding vsnprintf = new libbpf_h.Binding("vsnprintf",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS),
            () -> LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("vsnprintf"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS)));

    /**
     * Routes libbpf's output to {@code sink(level, message)} for the rest of the process. The upcall stub lives in
     * the global arena because libbpf keeps the pointer for ever. Returns the stub.
     */
    public static MemorySegment install(BiConsumer<Integer, String> sink) {
        try {
            MethodHandle target = MethodHandles.insertArguments(MethodHandles.lookup().findStatic(libbpf_print.class, "print",
                    MethodType.methodType(int.class, BiConsumer.class, int.class, MemorySegment.class, MemorySegment.class)), 0, sink);
            MemorySegment stub = LINKER.upcallStub(target, PRINT_FN, Arena.global());
            try (Arena arena = Arena.ofConfined()) {
                libbpf_h.libbpf_set_print(arena.allocate(libbpf_h.CALL_STATE), stub);
            }
            return stub;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int print(BiConsumer<Integer, String> sink, int level, MemorySegment format, MemorySegment args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            int n = (int) vsnprintf.handle().invokeExact(buf, buf.byteSize(), format, args);
            String message = buf.getString(0).stripTrailing();
            sink.accept(level, message.startsWith("libbpf: ") ? message.substring(8) : message);
            return n;
        } catch (Throwable t) {
            // an exception must never unwind into libbpf
            return 0;
        }
    }
}
