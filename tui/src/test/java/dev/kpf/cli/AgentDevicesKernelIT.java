package dev.kpf.cli;

import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kpf agent --devices IF} takes the SNAT address from the named interface as {@code auto} does (issue 15: it
 * refused to start without {@code --snat-ip}), and its errors name the real cause only. The agent runs as a process
 * in a network namespace of the test, where the interfaces are veth pairs the test made.
 */
class AgentDevicesKernelIT {
    private final String ns = "kpfdev" + ProcessHandle.current().pid();
    private PinDirectory pins;
    private TemporaryCgroup cgroup;

    @BeforeEach
    void setUp() throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-devices-" + ProcessHandle.current().pid()));
        cgroup = TemporaryCgroup.create("kpf-test-devices-" + ProcessHandle.current().pid());
        run("ip", "netns", "add", ns);
        // veth pairs: this kernel has no dummy interfaces
        run("ip", "-n", ns, "link", "add", "kpfsnat0", "type", "veth", "peer", "name", "kpfsnatp");
        run("ip", "-n", ns, "addr", "add", "10.206.0.1/24", "dev", "kpfsnat0");
        run("ip", "-n", ns, "link", "set", "kpfsnat0", "up");
        run("ip", "-n", ns, "link", "add", "kpfbare0", "type", "veth", "peer", "name", "kpfbarep");
        run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (pins != null) BpfDatapath.cleanup(pins);
        try {
            run("ip", "netns", "del", ns);
        } catch (Exception notCreated) {
            // setUp failed before
        }
        if (cgroup != null) cgroup.close();
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        return out;
    }

    /** Runs {@code kpf agent --devices DEVICES} for 3 s in the test's namespace; its exit code and output. */
    private List<String> agent(String devices) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns, ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "agent", "--source", "demo", "--devices", devices, "--bpffs", pins.root().toString(), "--cgroup", cgroup.path().toString(),
                "--listen", "127.0.0.1:0", "--health-check-address", "none", "--duration", "3"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the agent stops after --duration");
        return List.of(Integer.toString(p.exitValue()), out);
    }

    @Test
    void a_named_device_gives_its_address_for_snat() throws Exception {
        List<String> r = agent("kpfsnat0");
        assertEquals("0", r.get(0), r.get(1));
        assertTrue(r.get(1).contains("to kpfsnat0 (SNAT to 10.206.0.1)"), r.get(1));
    }

    @Test
    void a_device_that_does_not_exist_or_has_no_address_is_named_with_the_fix() throws Exception {
        List<String> missing = agent("nosuch0");
        assertEquals("1", missing.get(0), missing.get(1));
        assertTrue(missing.get(1).contains("there is no interface nosuch0"), missing.get(1));
        assertFalse(missing.get(1).contains("run as root"), "no unrelated hint: " + missing.get(1));
        List<String> bare = agent("kpfbare0");
        assertEquals("1", bare.get(0), bare.get(1));
        assertTrue(bare.get(1).contains("none of [kpfbare0] has a global IPv4 address") && bare.get(1).contains("--snat-ip"), bare.get(1));
        assertFalse(bare.get(1).contains("run as root"), "no unrelated hint: " + bare.get(1));
    }
}
