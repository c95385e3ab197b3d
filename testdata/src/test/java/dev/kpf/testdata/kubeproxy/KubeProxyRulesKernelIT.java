package dev.kpf.testdata.kubeproxy;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kube-proxy-shaped rulesets the benchmarks compare against are accepted by the real tools (inside a network
 * namespace this test creates) and hold one DNAT per endpoint of every IPv4 frontend.
 */
class KubeProxyRulesKernelIT {
    @Test
    void iptables_restore_and_nft_load_the_rules_kube_proxy_would_write(@TempDir Path dir) throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables-restore", "iptables", "nft")) KernelRequirement.requireCommand(tool);
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "demo"));
        LbTable table = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
        Path ipt = Files.writeString(dir.resolve("rules"), KubeProxyRules.iptables(table));
        Path nft = Files.writeString(dir.resolve("rules.nft"), KubeProxyRules.nft(table));
        String ns = "kpft" + ProcessHandle.current().pid() + "r";
        run("ip", "netns", "add", ns);
        try {
            run("ip", "netns", "exec", ns, "iptables-restore", "--noflush", ipt.toString());
            String nat = run("ip", "netns", "exec", ns, "iptables", "-t", "nat", "-S");
            long dnat = nat.lines().filter(l -> l.contains("-j DNAT --to-destination")).count();
            long expected = table.entries().values().stream()
                    .filter(e -> e.frontend().address() instanceof java.net.Inet4Address && e.frontend().scope() == dev.kpf.dataplane.lb.Scope.EXTERNAL)
                    .flatMap(e -> e.backends().stream().map(b -> e.servicePortName() + e.frontend() + b.address() + b.port())).distinct().count();
            assertEquals(expected, dnat, "one DNAT rule per endpoint of each IPv4 frontend");
            assertTrue(nat.contains("-A KUBE-SERVICES -d 10.96.0.10/32 -p udp"), "kube-dns is there");
            run("ip", "netns", "exec", ns, "nft", "-f", nft.toString());
            String listed = run("ip", "netns", "exec", ns, "nft", "list", "map", "ip", "kube-proxy", "service-ips");
            assertTrue(listed.contains("10.96.0.10 . udp . 53 : goto"), listed);
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
        if (!p.waitFor(60, TimeUnit.SECONDS)) fail(String.join(" ", cmd) + " timed out");
        if (p.exitValue() != 0) fail(String.join(" ", cmd) + ": " + out);
        return out;
    }
}
