package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.demo.DemoCluster;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The demo cluster's table programmed by kpf's real datapath on a cgroup of the test's own, and a network namespace
 * of the test's with no routes: connects made from there are translated by the programs, then fail with
 * ENETUNREACH, so nothing leaves the namespace. Closing removes namespace, programs, pins and cgroup.
 */
final class DemoDatapath implements AutoCloseable {
    final PinDirectory pins;
    private final TemporaryCgroup cgroup;
    private final BpfDatapath datapath;
    private final String netns;

    private DemoDatapath(PinDirectory pins, TemporaryCgroup cgroup, BpfDatapath datapath, String netns) {
        this.pins = pins;
        this.cgroup = cgroup;
        this.datapath = datapath;
        this.netns = netns;
    }

    static DemoDatapath open(String tag) throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-" + tag + "-" + pid));
        TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-" + tag + "-" + pid);
        BpfDatapath datapath = null;
        String netns = "kpf" + tag + pid;
        try {
            datapath = BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of()));
            List<SourceDocument> docs = new ArrayList<>();
            for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "test"));
            assertEquals(List.of(), datapath.apply(new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()))).errors());
            run("ip", "netns", "add", netns);
            run("ip", "-n", netns, "link", "set", "lo", "up");
            return new DemoDatapath(pins, cgroup, datapath, netns);
        } catch (Exception | AssertionError e) {
            try {
                run("ip", "netns", "del", netns);
            } catch (Exception ignored) {
                // not created
            }
            if (datapath != null) datapath.close();
            BpfDatapath.cleanup(pins);
            cgroup.close();
            throw e;
        }
    }

    /** bash in the cgroup and namespace opens a TCP connection to each address:port given, once each. */
    void connects(String... targets) throws Exception {
        StringBuilder script = new StringBuilder("echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec nsenter --net=/run/netns/" + netns + " bash -c '");
        for (String t : targets) script.append("(exec 3<>/dev/tcp/").append(t.replace(':', '/')).append(") 2>/dev/null; ");
        script.append("true'");
        run("bash", "-c", script.toString());
    }

    @Override
    public void close() throws Exception {
        try {
            run("ip", "netns", "del", netns);
        } finally {
            datapath.close();
            BpfDatapath.cleanup(pins);
            cgroup.close();
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
    }
}
