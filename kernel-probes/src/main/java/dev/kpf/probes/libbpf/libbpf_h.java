package dev.kpf.probes.libbpf;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw downcalls into the system libbpf ({@code libbpf.so.1}), in the shape jextract generates: one header class,
 * C names kept verbatim, C types mapped as {@code pointer -> ADDRESS}, {@code int/enum/__u32 -> JAVA_INT},
 * {@code __u64/size_t -> JAVA_LONG}, {@code bool -> JAVA_BOOLEAN}.
 *
 * <p>Every handle captures {@code errno}: each wrapper takes a call-state segment (layout {@link #CALL_STATE}) as its
 * first argument, then the C arguments. libbpf 1.x returns {@code -errno} from int calls and NULL plus errno from
 * pointer calls; the safe layer in {@code dev.kpf.probes.bpf} turns both into exceptions. Nothing outside
 * kernel-probes uses this class.
 *
 * <p>{@code LibbpfHeaderTest} checks every entry of {@link #bindings()} against the installed
 * {@code bpf/libbpf.h} and {@code bpf/bpf.h}.
 */
public final class libbpf_h {
    private libbpf_h() {}

    /**
     * One bound C function: its name, its C signature as a descriptor (without the call state), and its handle,
     * linked at the first call. Linking a downcall generates code (a few milliseconds each while the JVM is cold):
     * jextract defers it with a holder class per function, this class with a handle made once on first use, so a
     * command pays only for the functions it calls ({@code kpf probe} uses a handful of the bindings).
     */
    public static final class Binding {
        private final String name;
        private final FunctionDescriptor descriptor;
        private final java.util.function.Supplier<MethodHandle> link;
        private volatile MethodHandle handle;

        public Binding(String name, FunctionDescriptor descriptor, java.util.function.Supplier<MethodHandle> link) {
            this.name = name;
            this.descriptor = descriptor;
            this.link = link;
        }

        public String name() { return name; }

        public FunctionDescriptor descriptor() { return descriptor; }

        /** The downcall handle (linked on the first call; linking the same function twice is harmless). */
        public MethodHandle handle() {
            MethodHandle h = handle;
            if (h == null) handle = h = link.get();
            return h;
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBBPF = SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Layout of the call state every wrapper takes first; holds errno after the call. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final java.lang.invoke.VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** errno as the C library left it after the call that filled {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static final AddressLayout C_POINTER = ADDRESS;

    private static Binding bind(String name, MemoryLayout result, MemoryLayout... args) {
        FunctionDescriptor descriptor = result == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(result, args);
        return new Binding(name, descriptor, () -> LINKER.downcallHandle(LIBBPF.findOrThrow(name), descriptor, CAPTURE_ERRNO));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("downcall failed", t);
    }

    // ---- struct bpf_object_open_opts (libbpf.h) ----

    /** {@code struct bpf_object_open_opts} as of libbpf 1.1 (sz tells libbpf which fields we know). */
    public static final StructLayout bpf_object_open_opts = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            C_POINTER.withName("object_name"),
            JAVA_BOOLEAN.withName("relaxed_maps"),
            MemoryLayout.paddingLayout(7),
            C_POINTER.withName("pin_root_path"),
            MemoryLayout.paddingLayout(8),
            C_POINTER.withName("kconfig"),
            C_POINTER.withName("btf_custom_path"),
            C_POINTER.withName("kernel_log_buf"),
            JAVA_LONG.withName("kernel_log_size"),
            JAVA_INT.withName("kernel_log_level"),
            MemoryLayout.paddingLayout(4)
    ).withName("bpf_object_open_opts");

    /** {@code struct bpf_map_batch_opts} (bpf.h). */
    public static final StructLayout bpf_map_batch_opts = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            JAVA_LONG.withName("elem_flags"),
            JAVA_LONG.withName("flags")
    ).withName("bpf_map_batch_opts");

    /**
     * The leading fields of {@code struct bpf_map_info} (linux/bpf.h). The kernel fills only as many bytes as
     * {@code info_len} says, so a prefix is enough for type, sizes, limits and name.
     */
    public static final StructLayout bpf_map_info = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("id"),
            JAVA_INT.withName("key_size"),
            JAVA_INT.withName("value_size"),
            JAVA_INT.withName("max_entries"),
            JAVA_INT.withName("map_flags"),
            MemoryLayout.sequenceLayout(16, java.lang.foreign.ValueLayout.JAVA_BYTE).withName("name")
    ).withName("bpf_map_info");

    /** The leading fields of {@code struct bpf_link_info} and its cgroup variant (what a cgroup link is attached to). */
    public static final StructLayout bpf_link_info = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("id"),
            JAVA_INT.withName("prog_id"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("cgroup.cgroup_id"),
            JAVA_INT.withName("cgroup.attach_type")
    ).withName("bpf_link_info");

    /** {@code struct bpf_tc_hook}: a clsact attach point (interface, ingress or egress). */
    public static final StructLayout bpf_tc_hook = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            JAVA_INT.withName("ifindex"),
            JAVA_INT.withName("attach_point"),
            JAVA_INT.withName("parent"),
            MemoryLayout.paddingLayout(4)
    ).withName("bpf_tc_hook");

    public static final int BPF_TC_INGRESS = 1, BPF_TC_EGRESS = 2, BPF_TC_F_REPLACE = 1;

    /** {@code struct bpf_tc_opts}: the filter (program, handle, priority) on a clsact hook. */
    public static final StructLayout bpf_tc_opts = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            JAVA_INT.withName("prog_fd"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("prog_id"),
            JAVA_INT.withName("handle"),
            JAVA_INT.withName("priority"),
            MemoryLayout.paddingLayout(4)
    ).withName("bpf_tc_opts");

    /**
     * {@code struct bpf_prog_load_opts} (bpf.h) as of libbpf 1.1; sz tells a newer libbpf which fields we know.
     * {@code log_true_size} (1.2) is not declared: the header test compares with the installed header.
     */
    public static final StructLayout bpf_prog_load_opts = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            JAVA_INT.withName("attempts"),
            JAVA_INT.withName("expected_attach_type"),
            JAVA_INT.withName("prog_btf_fd"),
            JAVA_INT.withName("prog_flags"),
            JAVA_INT.withName("prog_ifindex"),
            JAVA_INT.withName("kern_version"),
            JAVA_INT.withName("attach_btf_id"),
            JAVA_INT.withName("attach_prog_fd"),
            JAVA_INT.withName("attach_btf_obj_fd"),
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("fd_array"),
            C_POINTER.withName("func_info"),
            JAVA_INT.withName("func_info_cnt"),
            JAVA_INT.withName("func_info_rec_size"),
            C_POINTER.withName("line_info"),
            JAVA_INT.withName("line_info_cnt"),
            JAVA_INT.withName("line_info_rec_size"),
            JAVA_INT.withName("log_level"),
            JAVA_INT.withName("log_size"),
            C_POINTER.withName("log_buf")
    ).withName("bpf_prog_load_opts");

    // ---- objects ----

    public static final Binding bpf_object__open_file = bind("bpf_object__open_file", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__open_file(MemorySegment state, MemorySegment path, MemorySegment opts) {
        try { return (MemorySegment) bpf_object__open_file.handle().invokeExact(state, path, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__open_mem = bind("bpf_object__open_mem", C_POINTER, C_POINTER, JAVA_LONG, C_POINTER);
    public static MemorySegment bpf_object__open_mem(MemorySegment state, MemorySegment buf, long size, MemorySegment opts) {
        try { return (MemorySegment) bpf_object__open_mem.handle().invokeExact(state, buf, size, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__load = bind("bpf_object__load", JAVA_INT, C_POINTER);
    public static int bpf_object__load(MemorySegment state, MemorySegment obj) {
        try { return (int) bpf_object__load.handle().invokeExact(state, obj); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__close = bind("bpf_object__close", null, C_POINTER);
    public static void bpf_object__close(MemorySegment state, MemorySegment obj) {
        try { bpf_object__close.handle().invokeExact(state, obj); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__name = bind("bpf_object__name", C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__name(MemorySegment state, MemorySegment obj) {
        try { return (MemorySegment) bpf_object__name.handle().invokeExact(state, obj); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__find_program_by_name = bind("bpf_object__find_program_by_name", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__find_program_by_name(MemorySegment state, MemorySegment obj, MemorySegment name) {
        try { return (MemorySegment) bpf_object__find_program_by_name.handle().invokeExact(state, obj, name); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__find_map_by_name = bind("bpf_object__find_map_by_name", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__find_map_by_name(MemorySegment state, MemorySegment obj, MemorySegment name) {
        try { return (MemorySegment) bpf_object__find_map_by_name.handle().invokeExact(state, obj, name); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__next_program = bind("bpf_object__next_program", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__next_program(MemorySegment state, MemorySegment obj, MemorySegment prev) {
        try { return (MemorySegment) bpf_object__next_program.handle().invokeExact(state, obj, prev); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__next_map = bind("bpf_object__next_map", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_object__next_map(MemorySegment state, MemorySegment obj, MemorySegment prev) {
        try { return (MemorySegment) bpf_object__next_map.handle().invokeExact(state, obj, prev); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- programs ----

    public static final Binding bpf_program__name = bind("bpf_program__name", C_POINTER, C_POINTER);
    public static MemorySegment bpf_program__name(MemorySegment state, MemorySegment prog) {
        try { return (MemorySegment) bpf_program__name.handle().invokeExact(state, prog); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_program__section_name = bind("bpf_program__section_name", C_POINTER, C_POINTER);
    public static MemorySegment bpf_program__section_name(MemorySegment state, MemorySegment prog) {
        try { return (MemorySegment) bpf_program__section_name.handle().invokeExact(state, prog); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_program__fd = bind("bpf_program__fd", JAVA_INT, C_POINTER);
    public static int bpf_program__fd(MemorySegment state, MemorySegment prog) {
        try { return (int) bpf_program__fd.handle().invokeExact(state, prog); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_program__set_autoload = bind("bpf_program__set_autoload", JAVA_INT, C_POINTER, JAVA_BOOLEAN);
    public static int bpf_program__set_autoload(MemorySegment state, MemorySegment prog, boolean autoload) {
        try { return (int) bpf_program__set_autoload.handle().invokeExact(state, prog, autoload); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_program__attach_cgroup = bind("bpf_program__attach_cgroup", C_POINTER, C_POINTER, JAVA_INT);
    public static MemorySegment bpf_program__attach_cgroup(MemorySegment state, MemorySegment prog, int cgroupFd) {
        try { return (MemorySegment) bpf_program__attach_cgroup.handle().invokeExact(state, prog, cgroupFd); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- maps (object side) ----

    public static final Binding bpf_map__name = bind("bpf_map__name", C_POINTER, C_POINTER);
    public static MemorySegment bpf_map__name(MemorySegment state, MemorySegment map) {
        try { return (MemorySegment) bpf_map__name.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__fd = bind("bpf_map__fd", JAVA_INT, C_POINTER);
    public static int bpf_map__fd(MemorySegment state, MemorySegment map) {
        try { return (int) bpf_map__fd.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__type = bind("bpf_map__type", JAVA_INT, C_POINTER);
    public static int bpf_map__type(MemorySegment state, MemorySegment map) {
        try { return (int) bpf_map__type.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__key_size = bind("bpf_map__key_size", JAVA_INT, C_POINTER);
    public static int bpf_map__key_size(MemorySegment state, MemorySegment map) {
        try { return (int) bpf_map__key_size.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__value_size = bind("bpf_map__value_size", JAVA_INT, C_POINTER);
    public static int bpf_map__value_size(MemorySegment state, MemorySegment map) {
        try { return (int) bpf_map__value_size.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__max_entries = bind("bpf_map__max_entries", JAVA_INT, C_POINTER);
    public static int bpf_map__max_entries(MemorySegment state, MemorySegment map) {
        try { return (int) bpf_map__max_entries.handle().invokeExact(state, map); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int bpf_map__set_value_size(struct bpf_map *map, __u32 size)}: before load. */
    public static final Binding bpf_map__set_value_size = bind("bpf_map__set_value_size", JAVA_INT, C_POINTER, JAVA_INT);
    public static int bpf_map__set_value_size(MemorySegment state, MemorySegment map, int size) {
        try { return (int) bpf_map__set_value_size.handle().invokeExact(state, map, size); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size)}: .rodata before load. */
    public static final Binding bpf_map__set_initial_value = bind("bpf_map__set_initial_value", JAVA_INT, C_POINTER, C_POINTER, JAVA_LONG);
    public static int bpf_map__set_initial_value(MemorySegment state, MemorySegment map, MemorySegment data, long size) {
        try { return (int) bpf_map__set_initial_value.handle().invokeExact(state, map, data, size); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__set_max_entries = bind("bpf_map__set_max_entries", JAVA_INT, C_POINTER, JAVA_INT);
    public static int bpf_map__set_max_entries(MemorySegment state, MemorySegment map, int maxEntries) {
        try { return (int) bpf_map__set_max_entries.handle().invokeExact(state, map, maxEntries); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__pin = bind("bpf_map__pin", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_map__pin(MemorySegment state, MemorySegment map, MemorySegment path) {
        try { return (int) bpf_map__pin.handle().invokeExact(state, map, path); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__unpin = bind("bpf_map__unpin", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_map__unpin(MemorySegment state, MemorySegment map, MemorySegment path) {
        try { return (int) bpf_map__unpin.handle().invokeExact(state, map, path); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map__reuse_fd = bind("bpf_map__reuse_fd", JAVA_INT, C_POINTER, JAVA_INT);
    public static int bpf_map__reuse_fd(MemorySegment state, MemorySegment map, int fd) {
        try { return (int) bpf_map__reuse_fd.handle().invokeExact(state, map, fd); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- links ----

    public static final Binding bpf_link__fd = bind("bpf_link__fd", JAVA_INT, C_POINTER);
    public static int bpf_link__fd(MemorySegment state, MemorySegment link) {
        try { return (int) bpf_link__fd.handle().invokeExact(state, link); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__pin = bind("bpf_link__pin", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_link__pin(MemorySegment state, MemorySegment link, MemorySegment path) {
        try { return (int) bpf_link__pin.handle().invokeExact(state, link, path); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__unpin = bind("bpf_link__unpin", JAVA_INT, C_POINTER);
    public static int bpf_link__unpin(MemorySegment state, MemorySegment link) {
        try { return (int) bpf_link__unpin.handle().invokeExact(state, link); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__detach = bind("bpf_link__detach", JAVA_INT, C_POINTER);
    public static int bpf_link__detach(MemorySegment state, MemorySegment link) {
        try { return (int) bpf_link__detach.handle().invokeExact(state, link); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__destroy = bind("bpf_link__destroy", JAVA_INT, C_POINTER);
    public static int bpf_link__destroy(MemorySegment state, MemorySegment link) {
        try { return (int) bpf_link__destroy.handle().invokeExact(state, link); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__update_program = bind("bpf_link__update_program", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_link__update_program(MemorySegment state, MemorySegment link, MemorySegment prog) {
        try { return (int) bpf_link__update_program.handle().invokeExact(state, link, prog); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_num_possible_cpus = bind("libbpf_num_possible_cpus", JAVA_INT);
    public static int libbpf_num_possible_cpus(MemorySegment state) {
        try { return (int) libbpf_num_possible_cpus.handle().invokeExact(state); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_object__find_map_fd_by_name = bind("bpf_object__find_map_fd_by_name", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_object__find_map_fd_by_name(MemorySegment state, MemorySegment obj, MemorySegment name) {
        try { return (int) bpf_object__find_map_fd_by_name.handle().invokeExact(state, obj, name); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_link__open = bind("bpf_link__open", C_POINTER, C_POINTER);
    public static MemorySegment bpf_link__open(MemorySegment state, MemorySegment path) {
        try { return (MemorySegment) bpf_link__open.handle().invokeExact(state, path); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- low-level (bpf.h): fds, pins, map elements ----

    /** {@code int bpf_link_create(int prog_fd, int target_fd, enum bpf_attach_type, const struct bpf_link_create_opts *)}: tcx links. */
    public static final Binding bpf_link_create = bind("bpf_link_create", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, C_POINTER);
    public static int bpf_link_create(MemorySegment state, int progFd, int targetFd, int attachType, MemorySegment opts) {
        try { return (int) bpf_link_create.handle().invokeExact(state, progFd, targetFd, attachType, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * {@code int bpf_prog_load(enum bpf_prog_type, const char *prog_name, const char *license, const struct bpf_insn *insns,
     * size_t insn_cnt, struct bpf_prog_load_opts *opts)}: a program from instructions, without an ELF object (probes).
     */
    public static final Binding bpf_prog_load = bind("bpf_prog_load", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER, C_POINTER, JAVA_LONG, C_POINTER);
    public static int bpf_prog_load(MemorySegment state, int progType, MemorySegment progName, MemorySegment license, MemorySegment insns,
                                    long insnCnt, MemorySegment opts) {
        try { return (int) bpf_prog_load.handle().invokeExact(state, progType, progName, license, insns, insnCnt, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_obj_pin = bind("bpf_obj_pin", JAVA_INT, JAVA_INT, C_POINTER);
    public static int bpf_obj_pin(MemorySegment state, int fd, MemorySegment path) {
        try { return (int) bpf_obj_pin.handle().invokeExact(state, fd, path); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_obj_get = bind("bpf_obj_get", JAVA_INT, C_POINTER);
    public static int bpf_obj_get(MemorySegment state, MemorySegment path) {
        try { return (int) bpf_obj_get.handle().invokeExact(state, path); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_obj_get_info_by_fd = bind("bpf_obj_get_info_by_fd", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_obj_get_info_by_fd(MemorySegment state, int fd, MemorySegment info, MemorySegment infoLen) {
        try { return (int) bpf_obj_get_info_by_fd.handle().invokeExact(state, fd, info, infoLen); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_create = bind("bpf_map_create", JAVA_INT, JAVA_INT, C_POINTER, JAVA_INT, JAVA_INT, JAVA_INT, C_POINTER);
    public static int bpf_map_create(MemorySegment state, int type, MemorySegment name, int keySize, int valueSize, int maxEntries, MemorySegment opts) {
        try { return (int) bpf_map_create.handle().invokeExact(state, type, name, keySize, valueSize, maxEntries, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_update_elem = bind("bpf_map_update_elem", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER, JAVA_LONG);
    public static int bpf_map_update_elem(MemorySegment state, int fd, MemorySegment key, MemorySegment value, long flags) {
        try { return (int) bpf_map_update_elem.handle().invokeExact(state, fd, key, value, flags); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_lookup_elem = bind("bpf_map_lookup_elem", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_map_lookup_elem(MemorySegment state, int fd, MemorySegment key, MemorySegment value) {
        try { return (int) bpf_map_lookup_elem.handle().invokeExact(state, fd, key, value); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_delete_elem = bind("bpf_map_delete_elem", JAVA_INT, JAVA_INT, C_POINTER);
    public static int bpf_map_delete_elem(MemorySegment state, int fd, MemorySegment key) {
        try { return (int) bpf_map_delete_elem.handle().invokeExact(state, fd, key); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_get_next_key = bind("bpf_map_get_next_key", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_map_get_next_key(MemorySegment state, int fd, MemorySegment key, MemorySegment nextKey) {
        try { return (int) bpf_map_get_next_key.handle().invokeExact(state, fd, key, nextKey); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_update_batch = bind("bpf_map_update_batch", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
    public static int bpf_map_update_batch(MemorySegment state, int fd, MemorySegment keys, MemorySegment values, MemorySegment count, MemorySegment opts) {
        try { return (int) bpf_map_update_batch.handle().invokeExact(state, fd, keys, values, count, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_lookup_batch = bind("bpf_map_lookup_batch", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
    public static int bpf_map_lookup_batch(MemorySegment state, int fd, MemorySegment inBatch, MemorySegment outBatch, MemorySegment keys, MemorySegment values, MemorySegment count, MemorySegment opts) {
        try { return (int) bpf_map_lookup_batch.handle().invokeExact(state, fd, inBatch, outBatch, keys, values, count, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_map_delete_batch = bind("bpf_map_delete_batch", JAVA_INT, JAVA_INT, C_POINTER, C_POINTER, C_POINTER);
    public static int bpf_map_delete_batch(MemorySegment state, int fd, MemorySegment keys, MemorySegment count, MemorySegment opts) {
        try { return (int) bpf_map_delete_batch.handle().invokeExact(state, fd, keys, count, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- feature probes, errors, version ----

    public static final Binding libbpf_probe_bpf_prog_type = bind("libbpf_probe_bpf_prog_type", JAVA_INT, JAVA_INT, C_POINTER);
    public static int libbpf_probe_bpf_prog_type(MemorySegment state, int progType, MemorySegment opts) {
        try { return (int) libbpf_probe_bpf_prog_type.handle().invokeExact(state, progType, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_probe_bpf_map_type = bind("libbpf_probe_bpf_map_type", JAVA_INT, JAVA_INT, C_POINTER);
    public static int libbpf_probe_bpf_map_type(MemorySegment state, int mapType, MemorySegment opts) {
        try { return (int) libbpf_probe_bpf_map_type.handle().invokeExact(state, mapType, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_probe_bpf_helper = bind("libbpf_probe_bpf_helper", JAVA_INT, JAVA_INT, JAVA_INT, C_POINTER);
    public static int libbpf_probe_bpf_helper(MemorySegment state, int progType, int helperId, MemorySegment opts) {
        try { return (int) libbpf_probe_bpf_helper.handle().invokeExact(state, progType, helperId, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- kernel BTF (btf.h): does the running kernel have a type or function of this name ----

    /** {@code struct btf *btf__load_vmlinux_btf(void)}: the running kernel's BTF (/sys/kernel/btf/vmlinux); NULL and errno on failure. */
    public static final Binding btf__load_vmlinux_btf = bind("btf__load_vmlinux_btf", C_POINTER);
    public static MemorySegment btf__load_vmlinux_btf(MemorySegment state) {
        try { return (MemorySegment) btf__load_vmlinux_btf.handle().invokeExact(state); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code __s32 btf__find_by_name_kind(const struct btf *, const char *type_name, __u32 kind)}: a type id, or -ENOENT. */
    public static final Binding btf__find_by_name_kind = bind("btf__find_by_name_kind", JAVA_INT, C_POINTER, C_POINTER, JAVA_INT);
    public static int btf__find_by_name_kind(MemorySegment state, MemorySegment btf, MemorySegment name, int kind) {
        try { return (int) btf__find_by_name_kind.handle().invokeExact(state, btf, name, kind); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding btf__free = bind("btf__free", null, C_POINTER);
    public static void btf__free(MemorySegment state, MemorySegment btf) {
        try { btf__free.handle().invokeExact(state, btf); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_strerror = bind("libbpf_strerror", JAVA_INT, JAVA_INT, C_POINTER, JAVA_LONG);
    public static int libbpf_strerror(MemorySegment state, int err, MemorySegment buf, long size) {
        try { return (int) libbpf_strerror.handle().invokeExact(state, err, buf, size); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_set_print = bind("libbpf_set_print", C_POINTER, C_POINTER);
    public static MemorySegment libbpf_set_print(MemorySegment state, MemorySegment fn) {
        try { return (MemorySegment) libbpf_set_print.handle().invokeExact(state, fn); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_major_version = bind("libbpf_major_version", JAVA_INT);
    public static int libbpf_major_version(MemorySegment state) {
        try { return (int) libbpf_major_version.handle().invokeExact(state); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding libbpf_minor_version = bind("libbpf_minor_version", JAVA_INT);
    public static int libbpf_minor_version(MemorySegment state) {
        try { return (int) libbpf_minor_version.handle().invokeExact(state); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- BPF ring buffers (libbpf.h) ----

    /**
     * {@code struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx,
     * const struct ring_buffer_opts *opts)}; the callback is {@code int (*)(void *ctx, void *data, size_t size)}.
     */
    public static final Binding ring_buffer__new = bind("ring_buffer__new", C_POINTER, JAVA_INT, C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment ring_buffer__new(MemorySegment state, int mapFd, MemorySegment sampleCb, MemorySegment ctx, MemorySegment opts) {
        try { return (MemorySegment) ring_buffer__new.handle().invokeExact(state, mapFd, sampleCb, ctx, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Descriptor of the sample callback ring_buffer__new takes. */
    public static final FunctionDescriptor ring_buffer_sample_fn = FunctionDescriptor.of(JAVA_INT, C_POINTER, C_POINTER, JAVA_LONG);

    /** Waits up to timeout_ms for data, calls the callback for each record; returns the count or -errno. */
    public static final Binding ring_buffer__poll = bind("ring_buffer__poll", JAVA_INT, C_POINTER, JAVA_INT);
    public static int ring_buffer__poll(MemorySegment state, MemorySegment rb, int timeoutMs) {
        try { return (int) ring_buffer__poll.handle().invokeExact(state, rb, timeoutMs); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Reads every record already in the rings without waiting; returns the count or -errno. */
    public static final Binding ring_buffer__consume = bind("ring_buffer__consume", JAVA_INT, C_POINTER);
    public static int ring_buffer__consume(MemorySegment state, MemorySegment rb) {
        try { return (int) ring_buffer__consume.handle().invokeExact(state, rb); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding ring_buffer__free = bind("ring_buffer__free", null, C_POINTER);
    public static void ring_buffer__free(MemorySegment state, MemorySegment rb) {
        try { ring_buffer__free.handle().invokeExact(state, rb); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- tc clsact filters (libbpf.h), for kernels without tcx links ----

    public static final Binding bpf_tc_hook_create = bind("bpf_tc_hook_create", JAVA_INT, C_POINTER);
    public static int bpf_tc_hook_create(MemorySegment state, MemorySegment hook) {
        try { return (int) bpf_tc_hook_create.handle().invokeExact(state, hook); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_tc_attach = bind("bpf_tc_attach", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_tc_attach(MemorySegment state, MemorySegment hook, MemorySegment opts) {
        try { return (int) bpf_tc_attach.handle().invokeExact(state, hook, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_tc_detach = bind("bpf_tc_detach", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_tc_detach(MemorySegment state, MemorySegment hook, MemorySegment opts) {
        try { return (int) bpf_tc_detach.handle().invokeExact(state, hook, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    public static final Binding bpf_tc_query = bind("bpf_tc_query", JAVA_INT, C_POINTER, C_POINTER);
    public static int bpf_tc_query(MemorySegment state, MemorySegment hook, MemorySegment opts) {
        try { return (int) bpf_tc_query.handle().invokeExact(state, hook, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code struct bpf_link *bpf_program__attach_iter(const struct bpf_program *prog, const struct bpf_iter_attach_opts *opts)}. */
    public static final Binding bpf_program__attach_iter = bind("bpf_program__attach_iter", C_POINTER, C_POINTER, C_POINTER);
    public static MemorySegment bpf_program__attach_iter(MemorySegment state, MemorySegment prog, MemorySegment opts) {
        try { return (MemorySegment) bpf_program__attach_iter.handle().invokeExact(state, prog, opts); } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code int bpf_iter_create(int link_fd)}: a file whose reads run the iterator (in the caller's network namespace). */
    public static final Binding bpf_iter_create = bind("bpf_iter_create", JAVA_INT, JAVA_INT);
    public static int bpf_iter_create(MemorySegment state, int linkFd) {
        try { return (int) bpf_iter_create.handle().invokeExact(state, linkFd); } catch (Throwable t) { throw rethrow(t); }
    }

    private static final List<Binding> BINDINGS = List.of(
            bpf_object__open_file, bpf_object__open_mem, bpf_object__load, bpf_object__close, bpf_object__name,
            bpf_object__find_program_by_name, bpf_object__find_map_by_name, bpf_object__next_program, bpf_object__next_map,
            bpf_program__name, bpf_program__section_name, bpf_program__fd, bpf_program__set_autoload, bpf_program__attach_cgroup,
            bpf_map__name, bpf_map__fd, bpf_map__type, bpf_map__key_size, bpf_map__value_size, bpf_map__max_entries,
            bpf_map__set_max_entries, bpf_map__set_value_size, bpf_map__set_initial_value, bpf_map__pin, bpf_map__unpin, bpf_map__reuse_fd,
            bpf_link__fd, bpf_link__pin, bpf_link__unpin, bpf_link__detach, bpf_link__destroy, bpf_link__update_program, bpf_link__open, bpf_link_create, bpf_prog_load,
            libbpf_num_possible_cpus, bpf_object__find_map_fd_by_name,
            bpf_obj_pin, bpf_obj_get, bpf_obj_get_info_by_fd, bpf_map_create, bpf_map_update_elem, bpf_map_lookup_elem, bpf_map_delete_elem,
            bpf_map_get_next_key, bpf_map_update_batch, bpf_map_lookup_batch, bpf_map_delete_batch,
            libbpf_probe_bpf_prog_type, libbpf_probe_bpf_map_type, libbpf_probe_bpf_helper, libbpf_strerror,
            libbpf_set_print, libbpf_major_version, libbpf_minor_version, ring_buffer__new, ring_buffer__poll, ring_buffer__consume, ring_buffer__free,
            bpf_tc_hook_create, bpf_tc_attach, bpf_tc_detach, bpf_tc_query, bpf_program__attach_iter, bpf_iter_create,
            btf__load_vmlinux_btf, btf__find_by_name_kind, btf__free);

    /** Every bound function, for the header conformance test. */
    public static List<Binding> bindings() {
        return BINDINGS;
    }

    /** The struct layouts this class declares, named as in C. */
    public static List<StructLayout> structs() {
        return List.of(bpf_object_open_opts, bpf_map_batch_opts, bpf_map_info, bpf_link_info, bpf_tc_hook, bpf_tc_opts, bpf_prog_load_opts);
    }
}
