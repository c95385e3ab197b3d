package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.demo.DemoCluster;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kube-proxy's leftovers in a namespace the test makes: found, named, removed, and nothing else touched. */
class LeftoverRulesKernelIT {
    @Test
    void leftovers_are_found_and_removed_and_other_rules_stay(@TempDir Path dir) throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables-restore", "iptables-save", "nft")) KernelRequirement.requireCommand(tool);
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "demo"));
        LbTable table = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
        String ns = "kpft" + ProcessHandle.current().pid() + "l";
        run("ip", "netns", "add", ns);
        try {
            List<String> in = List.of("ip", "netns", "exec", ns);
            LeftoverRules rules = new LeftoverRules(in);
            assertEquals(ProbeStatus.PASS, rules.check().status(), "a fresh namespace has none");
            run(cmd(in, "iptables", "-A", "INPUT", "-s", "192.0.2.1/32", "-j", "DROP"));
            run(cmd(in, "iptables-restore", "--noflush", Files.writeString(dir.resolve("r"), KubeProxyRules.iptables(table)).toString()));
            run(cmd(in, "nft", "-f", Files.writeString(dir.resolve("n"), KubeProxyRules.nft(table)).toString()));

            CheckResult found = rules.check();
            assertEquals(ProbeStatus.FAIL, found.status());
            assertTrue(found.observed().contains("iptables: ") && found.observed().contains("KUBE-* chains"), found.observed());
            assertTrue(found.observed().contains("nft table ip kube-proxy"), found.observed());
            assertTrue(found.remedy().contains("kpf doctor --fix-leftovers --yes"), found.remedy());

            List<String> removed = rules.fix();
            assertTrue(removed.stream().anyMatch(r -> r.startsWith("iptables: removed")), removed.toString());
            assertTrue(removed.contains("nft: deleted table ip kube-proxy"), removed.toString());
            assertEquals(ProbeStatus.PASS, rules.check().status());
            assertTrue(run(cmd(in, "iptables-save")).contains("-A INPUT -s 192.0.2.1/32 -j DROP"), "other rules stay");
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static String[] cmd(List<String> prefix, String... args) {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of(args));
        return c.toArray(String[]::new);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
