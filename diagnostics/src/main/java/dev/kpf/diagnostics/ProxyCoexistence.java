package dev.kpf.diagnostics;

import dev.kpf.dataplane.agent.AgentHttp;

import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code node.proxy-coexistence}: kube-proxy and the kpf agent must not both program this node's Services. kube-proxy
 * counts as running when its process is here, when its DaemonSet has a running pod on this node, or when KUBE-*
 * rules change while the check watches them; kpf counts as running when its agent answers or its programs are
 * pinned as attached links.
 */
public final class ProxyCoexistence {
    public static final String ID = "node.proxy-coexistence";

    /**
     * Where to look; any part may be null (then it is not looked at). {@code daemonSets} is the DaemonSet list when the
     * caller has read it already (null: read it from {@code cluster}).
     */
    public record Sources(HostRoot host, NodeCommands commands, Duration rulesWindow, ClusterReader cluster,
                          ClusterReader.Read<DaemonSetRow> daemonSets, String nodeName, URI agent, Path pins) {
        public Sources(HostRoot host, NodeCommands commands, Duration rulesWindow, ClusterReader cluster, String nodeName, URI agent, Path pins) {
            this(host, commands, rulesWindow, cluster, null, nodeName, agent, pins);
        }
    }

    private ProxyCoexistence() {}

    public static CheckResult check(Sources s) {
        List<String> kubeProxy = new ArrayList<>();
        List<String> notLooked = new ArrayList<>();
        if (s.host() != null) kubeProxy.addAll(processes(s.host()));
        if (s.cluster() != null && s.nodeName() != null && !s.nodeName().isEmpty()) {
            ClusterReader.Read<DaemonSetRow> ds = s.daemonSets() != null ? s.daemonSets() : s.cluster().daemonSets();
            if (!ds.ok()) notLooked.add("kube-proxy pods (" + ds.error() + ")");
            for (DaemonSetRow row : ds.items()) {
                if (!row.name().equals(DaemonSetChecks.KUBE_PROXY)) continue;
                ClusterReader.Read<String> pods = s.cluster().daemonSetPodsOn(row.namespace(), row.name(), s.nodeName());
                if (!pods.ok()) notLooked.add("kube-proxy pods (" + pods.error() + ")");
                pods.items().forEach(p -> kubeProxy.add("pod " + p + " runs on " + s.nodeName()));
            }
        }
        if (s.commands() != null) {
            try {
                String changed = RuleWatch.changedDuring(s.commands(), s.rulesWindow());
                if (changed != null) kubeProxy.add(changed);
            } catch (IOException e) {
                notLooked.add("KUBE-* rules (" + e.getMessage() + ")");
            }
        }
        List<String> kpf = kpfEvidence(s.agent(), s.pins());
        String expected = "at most one of kube-proxy and the kpf agent programs this node's Services";
        String observed = (kubeProxy.isEmpty() ? "kube-proxy: not running" : "kube-proxy: " + String.join(", ", kubeProxy))
                + "; " + (kpf.isEmpty() ? "kpf: not running" : "kpf: " + String.join(", ", kpf));
        if (!kubeProxy.isEmpty() && !kpf.isEmpty()) {
            return CheckResult.of(ID, "node", ProbeStatus.FAIL, observed, expected,
                    "two proxies rewrite the same Services and fight over every connection: enable kube-proxy-free mode on the Cluster "
                            + "(preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\"; irreversible) so kube-proxy goes away "
                            + "(kubectl get daemonsets --all-namespaces must not list kube-proxy), stop a kube-proxy process started outside "
                            + "Kubernetes (systemctl stop kube-proxy), then remove its rules with `kpf doctor --fix-leftovers --yes`; "
                            + "or, to keep kube-proxy, remove kpf (`kpf agent --cleanup`)");
        }
        if (kubeProxy.isEmpty() && !notLooked.isEmpty()) {
            return CheckResult.of(ID, "node", ProbeStatus.UNKNOWN, observed + "; not looked at: " + String.join(", ", notLooked), expected,
                    "run as root on the node with API access (deploy/kpf.yaml's kpf-doctor ClusterRole)");
        }
        return CheckResult.of(ID, "node", ProbeStatus.PASS, observed, expected, "");
    }

    /** Processes whose command name is kube-proxy, as "process PID (kube-proxy)". */
    static List<String> processes(HostRoot host) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(host.resolve("/proc"))) {
            for (Path dir : entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).sorted().toList()) {
                try {
                    if (Files.readString(dir.resolve("comm")).strip().equals("kube-proxy")) {
                        found.add("process " + dir.getFileName() + " (kube-proxy)");
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return found;
    }

    private static List<String> kpfEvidence(URI agent, Path pins) {
        List<String> kpf = new ArrayList<>();
        // a kpf agent is recognised by its status schema: kube-proxy answers /healthz with 200 too
        if (agent != null && KpfAgentStatus.read(agent) instanceof KpfAgentStatus.Kpf(var status)) {
            kpf.add("agent answers at " + agent + " (" + AgentHttp.STATUS_SCHEMA + ", node " + status.get("node").getAsString() + ")");
        }
        if (pins != null) {
            try (Stream<Path> links = Files.list(pins.resolve("links"))) {
                long n = links.count();
                if (n > 0) kpf.add(n + " programs attached (links pinned under " + pins.resolve("links") + ")");
            } catch (IOException e) {
                // no pinned links
            }
        }
        return kpf;
    }
}
