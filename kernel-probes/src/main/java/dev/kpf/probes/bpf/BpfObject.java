package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static dev.kpf.probes.bpf.Native.checkPointer;

/**
 * A BPF ELF object opened by libbpf: {@code open} parses it, {@link #load()} creates its maps and verifies its
 * programs in the kernel. Owns the libbpf object and every program and map fd in it until {@link #close()}.
 */
public final class BpfObject implements AutoCloseable {
    /** Big enough for the log of a rejected program (a full log reports ENOSPC instead of the verifier's reason). */
    private static final int LOG_SIZE = 1 << 20;

    private final Arena arena;
    private final String name;
    private final MemorySegment log;
    private MemorySegment object;
    private boolean loaded;

    private BpfObject(Arena arena, String name, MemorySegment log, MemorySegment object) {
        this.arena = arena;
        this.name = name;
        this.log = log;
        this.object = object;
    }

    /** Opens an object file from disk. */
    public static BpfObject open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment log = arena.allocate(LOG_SIZE);
            MemorySegment opts = openOpts(arena, null, log);
            MemorySegment state = callState(arena);
            String name = file.getFileName().toString();
            MemorySegment obj = checkPointer(libbpf_h.bpf_object__open_file(state, arena.allocateFrom(file.toString()), opts),
                    state, "open object", file.toString());
            return new BpfObject(arena, name, log, obj);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Opens an object from bytes (e.g. a class-path resource compiled into the jar). */
    public static BpfObject open(String name, byte[] elf) {
        return open(name, elf, null);
    }

    /**
     * Opens an object from bytes; maps declared with {@code pinning = LIBBPF_PIN_BY_NAME} are pinned under
     * {@code pinRoot} on load, or reused from there when already pinned (libbpf checks they are compatible).
     */
    public static BpfObject open(String name, byte[] elf, Path pinRoot) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment log = arena.allocate(LOG_SIZE);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, elf);
            MemorySegment opts = openOpts(arena, name, log);
            if (pinRoot != null) opts.set(ValueLayout.ADDRESS, offset("pin_root_path"), arena.allocateFrom(pinRoot.toString()));
            MemorySegment state = callState(arena);
            MemorySegment obj = checkPointer(libbpf_h.bpf_object__open_mem(state, buf, elf.length, opts), state, "open object", name);
            return new BpfObject(arena, name, log, obj);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Opens an object stored as a class-path resource next to {@code anchor}. */
    public static BpfObject openResource(Class<?> anchor, String resource) {
        return openResource(anchor, resource, null);
    }

    /** Opens a class-path object with its pinned maps under {@code pinRoot} (see {@link #open(String, byte[], Path)}). */
    public static BpfObject openResource(Class<?> anchor, String resource, Path pinRoot) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("BPF object " + resource + " is not on the class path of " + anchor.getName());
            return open(resource.substring(resource.lastIndexOf('/') + 1).replace(".bpf.o", ""), in.readAllBytes(), pinRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("read BPF object " + resource, e);
        }
    }

    private static MemorySegment openOpts(Arena arena, String objectName, MemorySegment log) {
        MemoryLayout layout = libbpf_h.bpf_object_open_opts;
        MemorySegment opts = arena.allocate(layout);
        opts.set(ValueLayout.JAVA_LONG, offset("sz"), layout.byteSize());
        if (objectName != null) opts.set(ValueLayout.ADDRESS, offset("object_name"), arena.allocateFrom(objectName));
        opts.set(ValueLayout.ADDRESS, offset("kernel_log_buf"), log);
        opts.set(ValueLayout.JAVA_LONG, offset("kernel_log_size"), log.byteSize());
        return opts;
    }

    private static long offset(String field) {
        return libbpf_h.bpf_object_open_opts.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    public String name() {
        return name;
    }

    /** Loads maps and programs into the kernel; on failure the message carries the tail of the verifier log. */
    public BpfObject load() {
        MemorySegment obj = live();
        try (Arena call = Arena.ofConfined()) {
            int rc = libbpf_h.bpf_object__load(callState(call), obj);
            if (rc < 0) throw Native.error("load object", name, -rc, verifierLogTail());
        }
        loaded = true;
        return this;
    }

    public boolean isLoaded() {
        return loaded;
    }

    private String verifierLogTail() {
        String text = log.getString(0);
        String[] lines = text.strip().split("\n");
        int from = Math.max(0, lines.length - 12);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    /** Sets a map's capacity before {@link #load()} (e.g. from the agent's --map-capacity). */
    public BpfObject maxEntries(String mapName, int maxEntries) {
        return beforeLoad(mapName, (state, m, call) -> check(libbpf_h.bpf_map__set_max_entries(state, m, maxEntries), "set max_entries of map", mapName));
    }

    /** Sets a map's value size before load (maps whose value is an array sized at run time). */
    public BpfObject valueSize(String mapName, int size) {
        return beforeLoad(mapName, (state, m, call) -> check(libbpf_h.bpf_map__set_value_size(state, m, size), "set value size of map", mapName));
    }

    /** Replaces the initial contents of a global-data map (".rodata": the program's constants) before load. */
    public BpfObject initialValue(String mapName, byte[] data) {
        return beforeLoad(mapName, (state, m, call) -> {
            MemorySegment bytes = call.allocate(data.length);
            bytes.copyFrom(MemorySegment.ofArray(data));
            check(libbpf_h.bpf_map__set_initial_value(state, m, bytes, data.length), "set initial value of map", mapName);
        });
    }

    /** A change to a map's definition, made between open and load. */
    private interface MapSetting {
        void apply(MemorySegment state, MemorySegment map, Arena call);
    }

    private BpfObject beforeLoad(String mapName, MapSetting setting) {
        MemorySegment obj = live();
        if (loaded) throw new IllegalStateException("object " + name + " is already loaded");
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = callState(call);
            MemorySegment m = checkPointer(libbpf_h.bpf_object__find_map_by_name(state, obj, call.allocateFrom(mapName)),
                    state, "find map", mapName + " in " + name);
            setting.apply(state, m, call);
        }
        return this;
    }

    /** The program with this function name. */
    public BpfProgram program(String programName) {
        MemorySegment obj = live();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = callState(call);
            MemorySegment p = checkPointer(libbpf_h.bpf_object__find_program_by_name(state, obj, call.allocateFrom(programName)),
                    state, "find program", programName + " in " + name);
            return new BpfProgram(this, p, programName);
        }
    }

    /** All programs, in ELF order. */
    public List<BpfProgram> programs() {
        MemorySegment obj = live();
        List<BpfProgram> out = new ArrayList<>();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = callState(call);
            MemorySegment p = MemorySegment.NULL;
            for (int i = 0; i < 1024; i++) {
                p = libbpf_h.bpf_object__next_program(state, obj, p);
                if (p.equals(MemorySegment.NULL)) break;
                out.add(new BpfProgram(this, p, Native.string(libbpf_h.bpf_program__name(state, p))));
            }
        }
        return out;
    }

    /** The loaded map with this name, with codecs whose sizes must match the map's key and value sizes. */
    public <K, V> BpfMap<K, V> map(String mapName, MapCodec<K> keys, MapCodec<V> values) {
        MemorySegment obj = live();
        if (!loaded) throw new IllegalStateException("object " + name + " is not loaded; call load() before map()");
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = callState(call);
            MemorySegment m = checkPointer(libbpf_h.bpf_object__find_map_by_name(state, obj, call.allocateFrom(mapName)),
                    state, "find map", mapName + " in " + name);
            int fd = check(libbpf_h.bpf_map__fd(state, m), "get fd of map", mapName);
            return BpfMap.ofObject(mapName, fd, keys, values);
        }
    }

    MemorySegment live() {
        if (object == null) throw new IllegalStateException("object " + name + " is closed");
        return object;
    }

    /** Closes the libbpf object: programs and maps not pinned or attached through a link go away. Idempotent. */
    @Override
    public void close() {
        if (object == null) return;
        try (Arena call = Arena.ofConfined()) {
            libbpf_h.bpf_object__close(callState(call), object);
        } finally {
            object = null;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "object " + name;
    }
}
