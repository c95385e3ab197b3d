package dev.kpf.testdata.kubeproxy;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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

            // one endpoint of kube-dns replaced, as kube-proxy's nftables mode sends it: the service chain now jumps
            // to the new endpoint's chain, the old endpoint's chain is gone, the other endpoints stay
            LbEntry before = table.entries().values().stream()
                    .filter(e -> e.frontend().toString().startsWith("10.96.0.10:53/UDP") && e.backends().size() >= 2).findFirst().orElseThrow();
            Backend gone = before.backends().getFirst();
            Backend added = new Backend(java.net.InetAddress.getByName("10.244.99.99"), gone.port(), gone.protocol(), gone.state(),
                    gone.local(), gone.nodeName(), gone.zone(), "new-pod");
            List<Backend> now = new ArrayList<>(before.backends().subList(1, before.backends().size()));
            now.add(added);
            LbEntry after = new LbEntry(before.frontend(), before.type(), before.service(), before.portName(), now,
                    before.affinityTimeoutSeconds(), before.sourceRanges(), before.externalPolicyLocal(), before.internalPolicyLocal(),
                    before.healthCheckNodePort());
            List<LbEntry> afterTable = new ArrayList<>(table.entries().values());
            afterTable.replaceAll(e -> e == before ? after : e);
            Path change = Files.writeString(dir.resolve("change.nft"), KubeProxyRules.nftChange(List.of(before), List.of(after), afterTable));
            run("ip", "netns", "exec", ns, "nft", "-f", change.toString());
            String ruleset = run("ip", "netns", "exec", ns, "nft", "list", "table", "ip", "kube-proxy");
            assertTrue(ruleset.contains("dnat to 10.244.99.99:" + gone.port()), "the new endpoint's chain is there");
            String goneChain = KubeProxyRules.chain("endpoint-", before.servicePortName() + "->" + gone.address().getHostAddress() + ":" + gone.port())
                    .toLowerCase(java.util.Locale.ROOT);
            assertTrue(KubeProxyRules.nft(table).contains("chain " + goneChain + " {"), "the old endpoint had its chain");
            assertFalse(ruleset.contains(goneChain), "the old endpoint's chain is gone");
            for (Backend kept : now) assertTrue(ruleset.contains("dnat to " + kept.address().getHostAddress() + ":" + kept.port()), kept.toString());
            assertNull(KubeProxyRules.nftChange(List.of(before), List.of(new LbEntry(before.frontend(), before.type(), before.service(), before.portName(),
                    List.of(), 0, List.of(), false, false, 0)), afterTable), "no transaction for a move to the no-endpoint map: none may follow");
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void iptables_legacy_restore_loads_the_whole_ruleset(@TempDir Path dir) throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables-legacy-restore", "iptables-legacy")) KernelRequirement.requireCommand(tool);
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "demo"));
        LbTable table = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, new ArrayList<>()));
        Path ipt = Files.writeString(dir.resolve("rules"), KubeProxyRules.iptables(table));
        String ns = "kpft" + ProcessHandle.current().pid() + "l";
        run("ip", "netns", "add", ns);
        try {
            run("ip", "netns", "exec", ns, "iptables-legacy-restore", ipt.toString());
            String nat = run("ip", "netns", "exec", ns, "iptables-legacy", "-t", "nat", "-S");
            assertTrue(nat.contains("-A KUBE-SERVICES -d 10.96.0.10/32 -p udp"), nat);
            assertEquals(nat.lines().filter(l -> l.contains("-j DNAT")).count(), KubeProxyRules.iptables(table).lines().filter(l -> l.contains("-j DNAT")).count());
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
