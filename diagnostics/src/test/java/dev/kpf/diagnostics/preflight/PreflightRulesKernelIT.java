package dev.kpf.diagnostics.preflight;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.NodeCommands;
import dev.kpf.diagnostics.PinnedDatapath;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.demo.DemoCluster;
import dev.kpf.testdata.kubeproxy.KubeProxyRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-proxy's rules for the demo cluster, loaded with the real iptables-restore and nft into a namespace the test
 * makes, read back and compared with kpf's table: equal for the same cluster, differences named when kube-proxy
 * is behind (a service it has not programmed yet).
 */
class PreflightRulesKernelIT {
    @TempDir
    Path dir;

    private static boolean catalog(JsonObject o) {
        JsonObject meta = o.getAsJsonObject("metadata");
        return "shop".equals(meta.has("namespace") ? meta.get("namespace").getAsString() : "") && meta.get("name").getAsString().startsWith("catalog");
    }

    @Test
    void iptables_and_nft_rules_read_back_match_kpfs_table_and_a_lagging_kube_proxy_is_named() throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables-restore", "iptables-save", "nft")) KernelRequirement.requireCommand(tool);
        List<JsonObject> demo = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE);
        LbTable kpf = PinnedDatapath.translate(demo);
        LbTable lagging = PinnedDatapath.translate(demo.stream().filter(o -> !catalog(o)).toList());
        String ns = "kpft" + ProcessHandle.current().pid() + "p";
        run("ip", "netns", "add", ns);
        try {
            NodeCommands in = new NodeCommands(List.of("ip", "netns", "exec", ns));
            run("ip", "netns", "exec", ns, "iptables-restore", Files.writeString(dir.resolve("same"), KubeProxyRules.iptables(kpf)).toString());
            CheckResult same = PreflightRules.check(PreflightRules.readNode(in), kpf);
            assertEquals(ProbeStatus.PASS, same.status(), same.toString());
            assertTrue(same.observed().endsWith(" IPv4 frontends, the same in kube-proxy's rules and kpf's table"), same.observed());

            run("ip", "netns", "exec", ns, "iptables-restore", Files.writeString(dir.resolve("lag"), KubeProxyRules.iptables(lagging)).toString());
            CheckResult behind = PreflightRules.check(PreflightRules.readNode(in), kpf);
            assertEquals(ProbeStatus.WARN, behind.status(), behind.toString());
            assertTrue(behind.observed().startsWith("1 only in kpf: ") && behind.observed().contains("shop/catalog:web"), behind.observed());

            run("ip", "netns", "exec", ns, "nft", "-f", Files.writeString(dir.resolve("nft"), KubeProxyRules.nft(kpf)).toString());
            CheckResult nft = PreflightRules.check(PreflightRules.readNode(in), kpf);
            assertEquals(same.observed(), nft.observed(), "the nftables mode reads back the same");
            CheckResult nftBehind = PreflightRules.check(PreflightRules.readNode(in), lagging);
            assertTrue(nftBehind.observed().contains("only in kube-proxy: ") && nftBehind.observed().contains("10.244."), nftBehind.observed());
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
