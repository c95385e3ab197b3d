package dev.kpf.cli;

import com.google.gson.GsonBuilder;
import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.DoctorJson;
import dev.kpf.diagnostics.DoctorReport;
import dev.kpf.diagnostics.NodeCommands;
import dev.kpf.diagnostics.bundle.BundleCollector;
import dev.kpf.diagnostics.bundle.SupportBundle;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeRunner;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** A support bundle as `kpf doctor --bundle` and the TUI's Doctor screen write it. */
final class SupportBundles {
    private SupportBundles() {}

    /** The default name in the current directory: kpf-bundle-NODE-yyyyMMdd-HHmmss.tar.gz. */
    static Path defaultPath(String node, Instant now) {
        return Path.of(directory(node, now) + ".tar.gz");
    }

    private static String directory(String node, Instant now) {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(now);
        return "kpf-bundle-" + node.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + stamp;
    }

    /**
     * @param host  the node's root for probe.json, or null when the node checks were skipped
     * @param agent the agent's URL, or null
     */
    static SupportBundle.Written write(Path target, DoctorReport report, HostRoot host, String node, URI agent, Path bpffs,
                                       List<Path> kubeconfig, ClusterReader reader) throws IOException {
        Instant now = Instant.now();
        SupportBundle b = new SupportBundle(directory(node, now), now);
        b.add("doctor.json", DoctorJson.render(report) + "\n");
        if (host != null) b.add("probe.json", ProbeJson.render(ProbeRunner.forHost(host)) + "\n");
        else b.missing("probe.json", "node checks skipped (--no-node)");
        report.nodeFacts().ifPresentOrElse(
                f -> b.add("node-facts.json", new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(DoctorJson.node(f)) + "\n"),
                () -> b.missing("node-facts.json", "node facts come from the live node (not with --no-node or --root)"));
        try {
            b.add("maps.txt", ServicesText.render(PinnedTable.read(new PinDirectory(bpffs)), node));
        } catch (RuntimeException e) {
            b.missing("maps.txt", e.getMessage());
        }
        new BundleCollector(new NodeCommands(List.of()), agent, bpffs, kubeconfig, reader, BundleCollector.POD_LOGS, 2000).collectInto(b);
        return b.write(target);
    }
}
