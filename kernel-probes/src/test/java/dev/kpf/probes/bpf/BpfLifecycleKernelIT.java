package dev.kpf.probes.bpf;

import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The BPF layer against the running kernel: a clang-compiled object is loaded, its maps are written, read, pinned
 * and reopened by a second process, and its connect4 program is attached to a cgroup the test creates, where it
 * observably refuses a loopback connect; a pinned link keeps it attached after every handle is closed.
 */
class BpfLifecycleKernelIT {
    private static final Path OBJECT = Path.of("target/test-classes/bpf/kpf_test.bpf.o");
    private static final Path REJECTED = Path.of("target/test-classes/bpf/kpf_test_rejected.bpf.o");

    private PinDirectory pins;
    private Map<String, String> fdsBefore;

    @BeforeEach
    void setUp() throws IOException {
        KernelRequirement.requireBpf();
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-" + ProcessHandle.current().pid()));
        fdsBefore = openFds();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (pins != null) pins.removeAll();
        if (pins != null) {
            Map<String, String> leaked = new java.util.TreeMap<>(openFds());
            leaked.keySet().removeAll(fdsBefore.keySet());
            assertEquals(Map.of(), leaked, "file descriptors leaked");
        }
    }

    @Test
    void map_entries_are_written_read_iterated_and_deleted_singly_and_in_batches() {
        try (BpfObject object = BpfObject.open(OBJECT).load()) {
            BpfMap<Integer, Long> map = object.map("kpf_test_hash", MapCodec.u32(), MapCodec.u64());
            assertEquals(1024, map.maxEntries());
            assertEquals(1, map.info().type(), "BPF_MAP_TYPE_HASH");

            map.update(1, 100L);
            assertEquals(Optional.of(100L), map.lookup(1));
            assertEquals(Optional.empty(), map.lookup(2));
            assertThrows(BpfException.class, () -> map.update(1, 5L, BpfMap.BPF_NOEXIST));

            Map<Integer, Long> batch = new LinkedHashMap<>();
            for (int i = 10; i < 510; i++) batch.put(i, (long) i * 3);
            assertEquals(500, map.updateBatch(batch));
            assertEquals(501, map.keys().size());
            Map<Integer, Long> all = map.entries();
            assertEquals(501, all.size());
            assertEquals(30L, all.get(10));
            assertEquals(1527L, all.get(509));

            assertTrue(map.delete(1));
            assertFalse(map.delete(1), "deletes are idempotent");
            assertEquals(3, map.deleteBatch(List.of(10, 11, 77777, 12)), "absent keys are skipped");
            assertEquals(497, map.entries().size());
        }
    }

    @Test
    void a_full_map_reports_the_map_and_the_remedy() {
        try (BpfMap<Integer, Long> small = BpfMap.create(1, "kpf_full", 2, MapCodec.u32(), MapCodec.u64())) {
            small.update(1, 1L);
            small.update(2, 2L);
            BpfException e = assertThrows(BpfException.class, () -> small.update(3, 3L));
            assertEquals("E2BIG", e.errnoName());
            assertTrue(e.getMessage().contains("kpf_full"), e.getMessage());
            assertTrue(e.remedy().contains("max_entries"), e.remedy());
        }
    }

    @Test
    void a_pinned_map_is_read_and_written_by_a_second_process() throws Exception {
        Path pin = pins.path("maps/kpf_test_hash");
        try (BpfObject object = BpfObject.open(OBJECT).load()) {
            BpfMap<Integer, Long> map = object.map("kpf_test_hash", MapCodec.u32(), MapCodec.u64());
            map.updateBatch(Map.of(1, 11L, 2, 22L, 3, 33L));
            map.pin(pin);
        }
        // the object is closed: only the pin keeps the map alive now
        String out = runJava(PinnedMapReader.class, pin.toString());
        assertEquals("1=11\n2=22\n3=33\n", out);
        try (BpfMap<Integer, Long> reopened = BpfMap.openPinned(pin, MapCodec.u32(), MapCodec.u64())) {
            assertEquals(Optional.of(4242L), reopened.lookup(999), "the second process's write is visible");
        }
    }

    @Test
    void a_cgroup_program_refuses_a_connect_and_a_pinned_link_outlives_its_handles() throws Exception {
        Path linkPin = pins.path("links/connect4");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-" + ProcessHandle.current().pid());
             Cgroup target = Cgroup.open(cgroup.path())) {
            int port = server.getLocalPort();
            server.setSoTimeout(5000);
            assertTrue(connectFrom(cgroup, port), "no program attached yet: the connect succeeds");
            server.accept().close();

            try (BpfObject object = BpfObject.open(OBJECT).load()) {
                BpfMap<Integer, Integer> conf = object.map("kpf_test_conf", MapCodec.u32(), MapCodec.u32());
                conf.update(0, port);
                BpfProgram program = object.program("kpf_test_connect4");
                assertEquals("cgroup/connect4", program.section());
                try (BpfLink link = program.attachCgroup(target)) {
                    assertFalse(connectFrom(cgroup, port), "the program refuses connects to the configured port");
                    assertTrue(conf.lookup(1).orElseThrow() >= 1, "the program counted the connect");
                    link.pin(linkPin);
                }
            }
            // object and link handle are closed; the pinned link keeps the program attached
            assertFalse(connectFrom(cgroup, port), "still refused through the pinned link");

            try (BpfLink adopted = BpfLink.openPinned(linkPin)) {
                adopted.detach();
                adopted.unpin();
            }
            assertTrue(connectFrom(cgroup, port), "detached: connects succeed again");
            server.accept().close();
            assertFalse(Files.exists(linkPin));
        }
    }

    @Test
    void a_socket_hook_probe_attaches_through_a_link_and_leaves_nothing_open_or_attached() throws Exception {
        KernelRequirement.requireCommand("bpftool");
        try (TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-probe-" + ProcessHandle.current().pid());
             Cgroup target = Cgroup.open(cgroup.path())) {
            assertTrue(KernelSupport.cgroupSockAddrAttach(10, target).attached(), "BPF_CGROUP_INET4_CONNECT");
            assertTrue(KernelSupport.cgroupSockAddrAttach(30, target).attached(), "BPF_CGROUP_INET6_GETPEERNAME");
            assertEquals(new KernelSupport.HookProbe("bpf_prog_load", Errno.EINVAL), KernelSupport.cgroupSockAddrAttach(0, target),
                    "BPF_CGROUP_INET_INGRESS is not a socket-address hook: the load is refused");
            assertEquals("", bpftool("cgroup", "show", cgroup.path().toString()).strip(), "no probe program stays attached");
            // the check above can see an attached program: one attached through libbpf shows up while its link is open
            try (BpfObject object = BpfObject.open(OBJECT).load();
                 BpfLink link = object.program("kpf_test_connect4").attachCgroup(target)) {
                assertTrue(bpftool("cgroup", "show", cgroup.path().toString()).contains("connect4"));
            }
        }
        // cleanUp checks that no program or link descriptor was left open
    }

    @Test
    void a_socket_hook_probe_whose_link_fails_names_that_step_and_closes_its_program(@org.junit.jupiter.api.io.TempDir Path notACgroup) {
        try (Cgroup target = Cgroup.open(notACgroup)) {
            assertEquals(new KernelSupport.HookProbe("bpf_link_create", Errno.EBADF), KernelSupport.cgroupSockAddrAttach(10, target),
                    "the program loads; a directory outside cgroup2 is no link target");
        }
        // cleanUp checks that the loaded program's descriptor was closed
    }

    private static String bpftool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("bpftool timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "bpftool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void a_verifier_rejection_names_the_object_and_carries_the_verifier_log() {
        try (BpfObject object = BpfObject.open(REJECTED)) {
            BpfException e = assertThrows(BpfException.class, object::load);
            assertTrue(e.getMessage().startsWith("load object kpf_test_rejected.bpf.o: "), e.getMessage());
            assertTrue(e.detail().orElse("").contains("invalid mem access"), "verifier log: " + e.detail());
        }
    }

    @Test
    void opening_a_missing_pin_says_enoent_and_how_to_check_bpffs() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfMap.openPinned(pins.path("nothing_here"), MapCodec.u32(), MapCodec.u64()));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.remedy().contains("mount -t bpf"), e.remedy());
    }

    /** Connects to 127.0.0.1:port from a shell placed in the cgroup; true if the connect succeeded. */
    private static boolean connectFrom(TemporaryCgroup cgroup, int port) throws Exception {
        String script = "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec 3<>/dev/tcp/127.0.0.1/" + port;
        Process p = new ProcessBuilder("bash", "-c", script)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("connect from cgroup timed out");
        }
        return p.exitValue() == 0;
    }

    static String runJava(Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("second process timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "second process failed:\n" + text);
        return text;
    }

    /**
     * Open descriptors of this JVM that the BPF layer could own, number to target: BPF maps, programs and links
     * ({@code anon_inode:bpf-map}, ...) and cgroup or bpffs paths. The JDK's own pipes and sockets come and go
     * on their own schedule and are not counted.
     */
    private static Map<String, String> openFds() throws IOException {
        Map<String, String> fds = new java.util.TreeMap<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("anon_inode:bpf") || target.startsWith("/sys/fs/cgroup") || target.startsWith("/sys/fs/bpf")) {
                        fds.put(p.getFileName().toString(), target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return fds;
    }
}
