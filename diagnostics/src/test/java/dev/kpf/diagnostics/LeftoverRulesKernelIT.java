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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-proxy's leftovers in a namespace the test makes, beside kubelet's and kube-router's KUBE-* chains and a rule
 * whose comment mentions KUBE-SERVICES: exactly kube-proxy's chains and jumps are found and removed, every other rule
 * stays with its counters, a rule added after the plan survives, and --dry-run shows the exact script.
 */
class LeftoverRulesKernelIT {
    /** What kubelet and kube-router keep in iptables (their names, from their sources), and rules of the node's own. */
    private static final String OTHERS = """
            *filter
            :KUBE-FIREWALL - [0:0]
            :KUBE-KUBELET-CANARY - [0:0]
            :KUBE-ROUTER-INPUT - [0:0]
            :KUBE-NWPLCY-ABCDEFGHIJKLMNOP - [0:0]
            :KUBE-POD-FW-QRSTUVWXYZ012345 - [0:0]
            [7:420] -A INPUT -s 192.0.2.1/32 -j DROP
            [0:0] -A INPUT -j KUBE-FIREWALL
            [0:0] -A INPUT -m comment --comment "kube-router netpol" -j KUBE-ROUTER-INPUT
            [0:0] -A INPUT -s 192.0.2.9/32 -m comment --comment "lets KUBE-SERVICES monitoring in" -j ACCEPT
            [0:0] -A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
            [0:0] -A KUBE-ROUTER-INPUT -j KUBE-NWPLCY-ABCDEFGHIJKLMNOP
            [0:0] -A KUBE-NWPLCY-ABCDEFGHIJKLMNOP -j KUBE-POD-FW-QRSTUVWXYZ012345
            COMMIT
            *mangle
            :KUBE-IPTABLES-HINT - [0:0]
            :KUBE-KUBELET-CANARY - [0:0]
            COMMIT
            *nat
            :KUBE-KUBELET-CANARY - [0:0]
            :KUBE-MARK-DROP - [0:0]
            [0:0] -A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
            COMMIT
            """;

    /** The chain names and rules of a dump (counters aside), as a set. */
    private static Set<String> content(String dump) {
        Set<String> out = new TreeSet<>();
        String table = "";
        for (String line : dump.lines().toList()) {
            if (line.startsWith("*")) table = line;
            else if (line.startsWith(":")) out.add(table + " " + line.split(" ")[0]);
            else if (line.contains("-A ")) out.add(table + " " + line.substring(line.indexOf("-A ")));
        }
        return out;
    }

    @Test
    void exactly_kube_proxys_chains_and_jumps_go_and_everything_else_stays(@TempDir Path dir) throws Exception {
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
            run(cmd(in, "iptables-restore", "-c", "--noflush", Files.writeString(dir.resolve("others"), OTHERS).toString()));
            Set<String> others = content(run(cmd(in, "iptables-save")));
            assertEquals(ProbeStatus.PASS, rules.check().status(), "kubelet's and kube-router's chains are not kube-proxy's leftovers: " + rules.check());

            run(cmd(in, "iptables-restore", "--noflush", Files.writeString(dir.resolve("r"), KubeProxyRules.iptables(table)).toString()));
            run(cmd(in, "nft", "-f", Files.writeString(dir.resolve("n"), KubeProxyRules.nft(table)).toString()));
            CheckResult found = rules.check();
            assertEquals(ProbeStatus.FAIL, found.status());
            assertTrue(found.observed().contains("iptables nat: ") && found.observed().contains("nft table ip kube-proxy"), found.observed());
            assertTrue(found.remedy().contains("kpf doctor --fix-leftovers --dry-run"), found.remedy());

            List<LeftoverRules.Step> plan = rules.plan();
            String shown = String.join("\n", plan.stream().map(LeftoverRules.Step::show).toList());
            assertTrue(shown.contains("iptables-restore --noflush <<'EOF'\n*nat\n:KUBE-MARK-MASQ - [0:0]\n") && shown.contains("\n:KUBE-SERVICES - [0:0]\n"), shown);
            assertTrue(shown.contains("-D PREROUTING ") && shown.contains("-X KUBE-SERVICES") && shown.contains("nft delete table ip kube-proxy"), shown);
            for (String theirs : List.of("KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-ROUTER-INPUT", "KUBE-MARK-DROP", "KUBE-IPTABLES-HINT", "192.0.2.9")) {
                assertTrue(!shown.contains(theirs), theirs + " is not in the removal:\n" + shown);
            }
            // a rule another tool adds between the plan and its execution
            run(cmd(in, "iptables", "-A", "INPUT", "-s", "192.0.2.77/32", "-j", "DROP"));

            List<String> done = rules.apply(plan);
            assertTrue(done.stream().anyMatch(d -> d.startsWith("iptables nat: removed ")), done.toString());
            assertTrue(done.contains("nft: deleted table ip kube-proxy"), done.toString());
            assertEquals(ProbeStatus.PASS, rules.check().status(), rules.check().toString());
            String after = run(cmd(in, "iptables-save", "-c"));
            Set<String> expected = new TreeSet<>(others);
            expected.add("*filter -A INPUT -s 192.0.2.77/32 -j DROP");
            assertEquals(expected, content(after), "everything but kube-proxy's is as it was");
            assertTrue(after.contains("[7:420] -A INPUT -s 192.0.2.1/32 -j DROP"), "counters stay:\n" + after);
        } finally {
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void names_follow_kube_proxys_source() {
        for (String c : List.of("KUBE-SERVICES", "KUBE-SVC-ABCDEFGHIJKLMNOP", "KUBE-SEP-X", "KUBE-EXT-X", "KUBE-FW-X", "KUBE-SVL-X", "KUBE-XLB-X",
                "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-IPVS-FILTER")) {
            assertTrue(KubeProxyIptables.isKubeProxyChain(c), c);
        }
        for (String c : List.of("KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT", "KUBE-MARK-DROP", "KUBE-ROUTER-INPUT",
                "KUBE-NWPLCY-ABC", "KUBE-POD-FW-ABC", "KUBE-SVC-", "KUBE-SERVICES-X")) {
            assertTrue(!KubeProxyIptables.isKubeProxyChain(c), c);
        }
        assertEquals("ACCEPT", KubeProxyIptables.targetOf("-A INPUT -m comment --comment \"not -j KUBE-SERVICES\" -j ACCEPT"));
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
