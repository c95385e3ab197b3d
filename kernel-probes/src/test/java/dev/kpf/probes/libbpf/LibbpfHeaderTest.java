package dev.kpf.probes.libbpf;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.internal.Streams;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.KernelSupport;
import dev.kpf.probes.probe.KernelFeatures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hand-written bindings must match the installed headers: every bound function's name, arity, parameter and
 * return types against clang's JSON AST of {@code bpf/libbpf.h}, {@code bpf/bpf.h} and the C library headers, and
 * every struct layout's size and field offsets against a C program compiled with the same headers.
 */
class LibbpfHeaderTest {
    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <sched.h>
            #include <net/if.h>
            #include <sys/file.h>
            #include <stddef.h>
            #include <stdio.h>
            #include <stdarg.h>
            #include <fcntl.h>
            #include <unistd.h>
            #include <linux/bpf.h>
            #include <bpf/libbpf.h>
            #include <bpf/bpf.h>
            #include <bpf/btf.h>
            """;
    /** Structs whose Java layout covers only the leading fields (the kernel takes the size we pass). */
    private static final Set<String> PREFIX_STRUCTS = Set.of("bpf_map_info", "bpf_link_info");

    /** Functions the project needs bound (issue: foundation); the list may grow, never silently shrink. */
    private static final Set<String> REQUIRED = Set.of(
            "bpf_object__open_file", "bpf_object__open_mem", "bpf_object__load", "bpf_object__close",
            "bpf_object__find_program_by_name", "bpf_object__find_map_by_name", "bpf_program__fd", "bpf_map__fd",
            "bpf_map__pin", "bpf_map__unpin", "bpf_obj_get", "bpf_obj_pin", "bpf_map_update_elem",
            "bpf_map_lookup_elem", "bpf_map_delete_elem", "bpf_map_get_next_key", "bpf_map_update_batch",
            "bpf_map_lookup_batch", "bpf_map_delete_batch", "bpf_program__attach_cgroup", "bpf_link__pin",
            "bpf_link__unpin", "bpf_link__destroy", "bpf_link__open", "libbpf_probe_bpf_prog_type",
            "libbpf_probe_bpf_map_type", "libbpf_probe_bpf_helper", "libbpf_strerror", "libbpf_major_version",
            "libbpf_minor_version", "bpf_link_create", "bpf_prog_load", "bpf_map__set_value_size", "bpf_map__set_initial_value",
            "ring_buffer__new", "ring_buffer__poll", "ring_buffer__free", "flock",
            "bpf_tc_hook_create", "bpf_tc_attach", "bpf_tc_detach", "bpf_tc_query", "bpf_program__attach_iter", "bpf_iter_create", "read",
            "btf__load_vmlinux_btf", "btf__find_by_name_kind", "btf__free");

    private static final Map<String, Class<?>> SCALARS = Map.ofEntries(
            Map.entry("int", int.class), Map.entry("unsigned int", int.class), Map.entry("__u32", int.class),
            Map.entry("__s32", int.class), Map.entry("long", long.class), Map.entry("unsigned long", long.class),
            Map.entry("long long", long.class), Map.entry("unsigned long long", long.class),
            Map.entry("__u64", long.class), Map.entry("__s64", long.class), Map.entry("size_t", long.class),
            Map.entry("ssize_t", long.class), Map.entry("_Bool", boolean.class), Map.entry("bool", boolean.class));

    private record CFunction(String name, String returnType, List<String> params, boolean variadic) {}

    @TempDir
    static Path dir;
    private static Map<String, CFunction> declared;

    @BeforeAll
    static void dumpHeaders() throws Exception {
        KernelRequirement.requireCommand("clang");
        Path source = dir.resolve("headers.c");
        Files.writeString(source, HEADERS);
        declared = new HashMap<>();
        for (String filter : List.of("bpf", "open", "close", "vsnprintf", "setns", "if_nametoindex", "ring_buffer__", "flock", "read", "btf__")) {
            String json = run(List.of("clang", "-fsyntax-only", "-Xclang", "-ast-dump=json", "-Xclang",
                    "-ast-dump-filter=" + filter, source.toString()));
            parseFunctions(json, declared);
        }
    }

    private static void parseFunctions(String json, Map<String, CFunction> into) throws IOException {
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.LENIENT);
        while (reader.peek() != JsonToken.END_DOCUMENT) {
            JsonElement e = Streams.parse(reader);
            if (!e.isJsonObject()) continue;
            JsonObject o = e.getAsJsonObject();
            if (!"FunctionDecl".equals(str(o, "kind")) || !o.has("name")) continue;
            String name = o.get("name").getAsString();
            String type = o.getAsJsonObject("type").get("qualType").getAsString();
            List<String> params = new ArrayList<>();
            if (o.has("inner")) {
                for (JsonElement p : o.getAsJsonArray("inner")) {
                    JsonObject po = p.getAsJsonObject();
                    if (!"ParmVarDecl".equals(str(po, "kind"))) continue;
                    JsonObject t = po.getAsJsonObject("type");
                    params.add(t.has("desugaredQualType") ? t.get("desugaredQualType").getAsString() : t.get("qualType").getAsString());
                }
            }
            boolean variadic = o.has("variadic") && o.get("variadic").getAsBoolean();
            into.putIfAbsent(name, new CFunction(name, type.substring(0, type.indexOf('(')).strip(), params, variadic));
        }
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : null;
    }

    /** The carrier a C type must have in a descriptor: ADDRESS, a primitive class, or void. */
    private static String carrier(String cType) {
        String t = cType.replace("const ", "").replace("volatile ", "").strip();
        if (t.contains("*") || t.endsWith(")") || t.equals("libbpf_print_fn_t")) return "ADDRESS";
        if (t.startsWith("enum ")) return "int";
        if (t.equals("void")) return "void";
        Class<?> c = SCALARS.get(t);
        if (c == null) fail("unmapped C type '" + cType + "': extend the mapping in this test and in libbpf_h");
        return c.getName();
    }

    private static String carrier(MemoryLayout layout) {
        if (layout instanceof AddressLayout) return "ADDRESS";
        return ((ValueLayout) layout).carrier().getName();
    }

    private static List<libbpf_h.Binding> allBindings() {
        List<libbpf_h.Binding> all = new ArrayList<>(libbpf_h.bindings());
        all.addAll(libc_h.bindings());
        all.add(libbpf_print.vsnprintf);
        return all;
    }

    @Test
    void every_bound_function_matches_its_declaration_in_the_installed_headers() {
        List<String> mismatches = new ArrayList<>();
        for (libbpf_h.Binding b : allBindings()) {
            CFunction c = declared.get(b.name());
            if (c == null) {
                mismatches.add(b.name() + ": not declared in the installed headers");
                continue;
            }
            FunctionDescriptor d = b.descriptor();
            String javaReturn = d.returnLayout().map(LibbpfHeaderTest::carrier).orElse("void");
            if (!javaReturn.equals(carrier(c.returnType()))) {
                mismatches.add(b.name() + ": returns " + c.returnType() + " but is bound as " + javaReturn);
            }
            List<String> cParams = c.params().size() == 1 && c.params().getFirst().equals("void") ? List.of() : c.params();
            if (cParams.size() != d.argumentLayouts().size()) {
                mismatches.add(b.name() + ": takes " + cParams.size() + " parameters " + cParams + " but is bound with "
                        + d.argumentLayouts().size());
                continue;
            }
            for (int i = 0; i < cParams.size(); i++) {
                String expected = carrier(cParams.get(i));
                String actual = carrier(d.argumentLayouts().get(i));
                if (!expected.equals(actual)) {
                    mismatches.add(b.name() + ": parameter " + i + " is " + cParams.get(i) + " but is bound as " + actual);
                }
            }
        }
        assertTrue(mismatches.isEmpty(), "bindings drifted from the headers:\n" + String.join("\n", mismatches));
    }

    @Test
    void every_binding_links_against_the_installed_libraries() {
        // handles are linked at first use (a cold command pays only for what it calls): link them all here, so a
        // symbol missing from libbpf.so or libc fails this test rather than the first command that needs it
        List<String> unlinked = new ArrayList<>();
        for (libbpf_h.Binding b : allBindings()) {
            try {
                // the handle takes the C arguments, most of them after a call state
                if (b.handle().type().parameterCount() < b.descriptor().argumentLayouts().size()) unlinked.add(b.name() + ": " + b.handle().type());
                assertTrue(b.handle() == b.handle(), b.name() + " is linked once");
            } catch (RuntimeException e) {
                unlinked.add(b.name() + ": " + e.getMessage());
            }
        }
        assertTrue(unlinked.isEmpty(), "bindings that do not link:\n" + String.join("\n", unlinked));
    }

    @Test
    void the_functions_the_project_needs_are_all_bound_once() {
        List<String> names = allBindings().stream().map(libbpf_h.Binding::name).toList();
        assertEquals(names.size(), new HashSet<>(names).size(), "a function is bound twice: " + names);
        Set<String> missing = new HashSet<>(REQUIRED);
        missing.removeAll(names);
        assertTrue(missing.isEmpty(), "not bound: " + missing);
    }

    @Test
    void libc_open_is_variadic_in_c_and_bound_with_its_fixed_arguments() {
        assertTrue(declared.get("open").variadic(), "open(2) is declared variadic");
        assertEquals(2, libc_h.open.descriptor().argumentLayouts().size());
    }

    @Test
    void struct_layouts_have_the_size_and_field_offsets_of_the_c_structs() throws Exception {
        StringBuilder c = new StringBuilder(HEADERS).append("int main(void) {\n");
        for (StructLayout s : libbpf_h.structs()) {
            String name = s.name().orElseThrow();
            c.append("  printf(\"%s sizeof %zu\\n\", \"").append(name).append("\", sizeof(struct ").append(name).append("));\n");
            for (MemoryLayout m : s.memberLayouts()) {
                if (m.name().isEmpty()) continue;
                String f = m.name().get();
                c.append("  printf(\"%s %s %zu\\n\", \"").append(name).append("\", \"").append(f)
                        .append("\", offsetof(struct ").append(name).append(", ").append(f).append("));\n");
            }
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("layouts.c");
        Path exe = dir.resolve("layouts");
        Files.writeString(src, c);
        run(List.of("clang", "-o", exe.toString(), src.toString()));
        Map<String, Long> measured = run(List.of(exe.toString())).lines()
                .map(l -> l.split(" "))
                .collect(Collectors.toMap(p -> p[0] + " " + p[1], p -> Long.parseLong(p[2])));

        List<String> mismatches = new ArrayList<>();
        for (StructLayout s : libbpf_h.structs()) {
            String name = s.name().orElseThrow();
            long cSize = measured.get(name + " sizeof");
            boolean sizeOk = PREFIX_STRUCTS.contains(name) ? s.byteSize() <= cSize : s.byteSize() == cSize;
            if (!sizeOk) mismatches.add(name + ": C size " + cSize + ", Java layout " + s.byteSize());
            for (MemoryLayout m : s.memberLayouts()) {
                if (m.name().isEmpty()) continue;
                long javaOffset = s.byteOffset(MemoryLayout.PathElement.groupElement(m.name().get()));
                long cOffset = measured.get(name + " " + m.name().get());
                if (javaOffset != cOffset) {
                    mismatches.add(name + "." + m.name().get() + ": C offset " + cOffset + ", Java " + javaOffset);
                }
            }
        }
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
        assertTrue(libbpf_h.structs().stream().allMatch(g -> g instanceof GroupLayout));
    }

    /**
     * {@code BpfLink.interfaceIndex} reads a tcx link's interface from the start of {@code bpf_link_info}'s union, where
     * the layout names the cgroup variant's id; xdp's {@code ifindex} (and tcx's, in headers new enough to have it)
     * begins there too.
     */
    @Test
    void a_links_interface_index_is_read_where_the_header_puts_it() throws Exception {
        Path src = dir.resolve("ifindex.c");
        Path exe = dir.resolve("ifindex");
        Files.writeString(src, HEADERS + """
                int main(void) {
                  printf("%zu %zu\\n", offsetof(struct bpf_link_info, xdp.ifindex), sizeof(((struct bpf_link_info *) 0)->xdp.ifindex));
                  return 0;
                }
                """);
        run(List.of("clang", "-o", exe.toString(), src.toString()));
        String[] measured = run(List.of(exe.toString())).trim().split(" ");
        assertEquals(Long.parseLong(measured[0]), libbpf_h.bpf_link_info.byteOffset(MemoryLayout.PathElement.groupElement("cgroup.cgroup_id")));
        assertEquals("4", measured[1], "a __u32");
    }

    @Test
    void the_probe_uses_the_headers_program_type_and_attach_type_numbers() throws Exception {
        StringBuilder c = new StringBuilder(HEADERS).append("int main(void) {\n");
        c.append("  printf(\"prog_type %d\\n\", BPF_PROG_TYPE_CGROUP_SOCK_ADDR);\n");
        Map<String, String> cNames = new java.util.LinkedHashMap<>();
        for (KernelFeatures.AttachPoint p : KernelFeatures.AttachPoint.values()) {
            String hook = p.hook;
            String family = hook.substring(hook.length() - 1), verb = hook.substring(0, hook.length() - 1).toUpperCase(java.util.Locale.ROOT);
            String cName = "BPF_CGROUP_" + (verb.equals("CONNECT") || verb.equals("GETPEERNAME") ? "INET" : "UDP") + family + "_" + verb;
            cNames.put(p.name(), cName);
            c.append("  printf(\"").append(p.name()).append(" %d\\n\", ").append(cName).append(");\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("enums.c");
        Path exe = dir.resolve("enums");
        Files.writeString(src, c);
        run(List.of("clang", "-o", exe.toString(), src.toString()));
        Map<String, Integer> measured = run(List.of(exe.toString())).lines().map(l -> l.split(" "))
                .collect(Collectors.toMap(p -> p[0], p -> Integer.parseInt(p[1])));
        assertEquals(measured.get("prog_type"), KernelSupport.PROG_TYPE_CGROUP_SOCK_ADDR);
        for (KernelFeatures.AttachPoint p : KernelFeatures.AttachPoint.values()) {
            assertEquals(measured.get(p.name()), p.attachType, p + " is " + cNames.get(p.name()));
        }
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        if (p.exitValue() != 0) fail(command + " exited " + p.exitValue() + ":\n" + err);
        return new String(out, StandardCharsets.UTF_8);
    }
}
