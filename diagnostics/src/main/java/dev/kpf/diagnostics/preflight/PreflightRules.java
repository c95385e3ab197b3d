package dev.kpf.diagnostics.preflight;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.diagnostics.NodeCommands;
import dev.kpf.probes.probe.ProbeStatus;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code preflight.rules}: what kube-proxy has programmed on this node (its iptables or nftables rules, read back)
 * against the table kpf computes from the same API: frontends only one of them serves and frontends whose backends
 * differ, each named. IPv4 frontends (kube-proxy's IPv4 ruleset).
 */
public final class PreflightRules {
    public static final String ID = "preflight.rules";
    private static final int NAMED = 5;

    private PreflightRules() {}

    /** Reads kube-proxy's rules on this node: the nft table when it exists, else the iptables nat and filter tables. */
    public static KubeProxyRuleReader.Programmed readNode(NodeCommands commands) throws IOException {
        if (NodeCommands.onPath("nft") && commands.run(List.of("nft", "list", "tables")).lines().anyMatch(l -> l.strip().equals("table ip kube-proxy"))) {
            return KubeProxyRuleReader.nft(commands.run(List.of("nft", "list", "table", "ip", "kube-proxy")));
        }
        if (!NodeCommands.onPath("iptables-save")) throw new IOException("neither nft nor iptables-save is installed");
        return KubeProxyRuleReader.iptables(commands.run(List.of("iptables-save", "-t", "nat")) + commands.run(List.of("iptables-save", "-t", "filter")));
    }

    public static CheckResult check(KubeProxyRuleReader.Programmed kubeProxy, LbTable kpf) {
        String expected = "kpf would serve the same frontends with the same backends as kube-proxy does now";
        if (kubeProxy.frontends().isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.UNKNOWN, "no kube-proxy Service rules on this node (iptables nat or nft table kube-proxy)",
                    expected, "run the preflight on a node where kube-proxy runs");
        }
        Set<String> unused = new TreeSet<>(kubeProxy.frontends().keySet());
        List<String> onlyKpf = new ArrayList<>(), differ = new ArrayList<>();
        int compared = 0;
        Set<String> nodePortsSeen = new HashSet<>();
        for (LbEntry e : kpf.entries().values()) {
            if (!(e.frontend().address() instanceof Inet4Address) || e.frontend().scope() != Scope.EXTERNAL) continue;
            String key = IpAddresses.withPort(e.frontend().address(), e.frontend().port()) + "/" + e.frontend().protocol();
            if (!kubeProxy.frontends().containsKey(key) && e.type() == FrontendType.NODE_PORT) key = "*:" + e.frontend().port() + "/" + e.frontend().protocol();
            if (key.startsWith("*:") && !nodePortsSeen.add(key + e.servicePortName())) continue;
            compared++;
            Set<String> want = new TreeSet<>(e.backends().stream().map((Backend b) -> IpAddresses.withPort(b.address(), b.port())).toList());
            Set<String> have = kubeProxy.frontends().get(key);
            unused.remove(key);
            if (have == null) onlyKpf.add(key + " " + e.servicePortName());
            else if (!have.equals(want)) differ.add(key + " " + e.servicePortName() + ": kube-proxy " + have + ", kpf " + want);
        }
        List<String> onlyKubeProxy = unused.stream().map(k -> k + " " + describe(kubeProxy.frontends().get(k))).toList();
        if (onlyKpf.isEmpty() && differ.isEmpty() && onlyKubeProxy.isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.PASS, compared + " IPv4 frontends, the same in kube-proxy's rules and kpf's table", expected, "");
        }
        List<String> parts = new ArrayList<>();
        if (!differ.isEmpty()) parts.add(differ.size() + " with other backends: " + named(differ));
        if (!onlyKpf.isEmpty()) parts.add(onlyKpf.size() + " only in kpf: " + named(onlyKpf));
        if (!onlyKubeProxy.isEmpty()) parts.add(onlyKubeProxy.size() + " only in kube-proxy: " + named(onlyKubeProxy));
        return CheckResult.of(ID, "preflight", ProbeStatus.WARN, String.join("; ", parts), expected,
                "before switching (irreversible), look at each named frontend: kube-proxy may be behind the API (it resyncs), the service may "
                        + "be owned by another proxy (service.kubernetes.io/service-proxy-name), or kpf would serve it differently; "
                        + "rerun after a minute to rule out churn");
    }

    private static String describe(Set<String> backends) {
        return backends.isEmpty() ? "(rejects: no endpoints)" : backends.toString();
    }

    private static String named(List<String> items) {
        return String.join(", ", items.subList(0, Math.min(NAMED, items.size()))) + (items.size() > NAMED ? ", ..." : "");
    }

    /** For tests and callers that already hold the frontends. */
    public static KubeProxyRuleReader.Programmed programmed(Map<String, Set<String>> frontends) {
        return new KubeProxyRuleReader.Programmed(frontends);
    }
}
