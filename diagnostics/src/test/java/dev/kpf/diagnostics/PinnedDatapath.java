package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * kpf's real datapath for a test: maps and programs loaded into the kernel, pinned in a directory of the test's own
 * and attached to an empty cgroup the test made (so no traffic but the test's is affected). Closing removes all.
 */
public final class PinnedDatapath implements AutoCloseable {
    private final PinDirectory pins;
    private final TemporaryCgroup cgroup;
    private final BpfDatapath datapath;

    private PinnedDatapath(PinDirectory pins, TemporaryCgroup cgroup, BpfDatapath datapath) {
        this.pins = pins;
        this.cgroup = cgroup;
        this.datapath = datapath;
    }

    public static PinnedDatapath open(String tag) {
        KernelRequirement.requireBpf();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-test-" + tag + "-" + ProcessHandle.current().pid()));
        TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-test-" + tag + "-" + ProcessHandle.current().pid());
        try {
            return new PinnedDatapath(pins, cgroup, BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of())));
        } catch (RuntimeException e) {
            BpfDatapath.cleanup(pins);
            cgroup.close();
            throw e;
        }
    }

    public PinDirectory pinDirectory() {
        return pins;
    }

    public Path pins() {
        return pins.root();
    }

    /** The cgroup the programs are attached to. */
    public Path cgroupPath() {
        return cgroup.path();
    }

    public void program(LbTable table) {
        assertEquals(List.of(), datapath.apply(table).errors());
    }

    /** node-a's table for these objects. */
    public static LbTable translate(List<JsonObject> objects) {
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : objects) docs.add(new SourceDocument(o, "test"));
        return new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
    }

    /** node-a's table for the demo cluster. */
    public static LbTable demoTable() {
        return translate(dev.kpf.testdata.demo.DemoCluster.objects(dev.kpf.testdata.demo.DemoCluster.Variant.KUBE_PROXY_FREE));
    }

    @Override
    public void close() {
        try {
            datapath.close();
        } finally {
            BpfDatapath.cleanup(pins);
            cgroup.close();
        }
    }
}
