package dev.kpf.diagnostics.bundle;

import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.DaemonSetRow;
import dev.kpf.diagnostics.NodeCommands;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Collects what support needs from a node into a {@link SupportBundle}: the network state ({@code ip addr/route/link},
 * {@code nft list ruleset}, {@code iptables-save}), raw dumps of kpf's pinned maps (bpftool), the agent's metrics,
 * status and services, the agent's recent container logs, the DaemonSet list and the kubeconfig in use (every file
 * of a merged list). Whatever cannot be collected is recorded with the reason; nothing here throws.
 *
 * @param kubeconfigs the kubeconfig files in use, in the order they merge; empty in a pod or without one
 * @param podLogs the kubelet's pod log directory (/var/log/pods); the agent's are those of pods named kpf-*
 */
public record BundleCollector(NodeCommands commands, URI agent, Path pins, List<Path> kubeconfigs, ClusterReader cluster, Path podLogs, int logLines) {
    public BundleCollector {
        kubeconfigs = List.copyOf(kubeconfigs);
    }

    public static final Path POD_LOGS = Path.of("/var/log/pods");

    public void collectInto(SupportBundle bundle) {
        command(bundle, "node/ip-addr.txt", List.of(List.of("ip", "-d", "addr", "show")));
        command(bundle, "node/ip-route.txt", List.of(List.of("ip", "-4", "route", "show", "table", "all"), List.of("ip", "-6", "route", "show", "table", "all")));
        command(bundle, "node/ip-link.txt", List.of(List.of("ip", "-d", "-s", "link", "show")));
        command(bundle, "node/nft-ruleset.txt", List.of(List.of("nft", "list", "ruleset")));
        command(bundle, "node/iptables-save.txt", List.of(List.of("iptables-save")));
        command(bundle, "node/ip6tables-save.txt", List.of(List.of("ip6tables-save")));
        maps(bundle);
        if (agent != null) {
            http(bundle, "agent/metrics.txt", agent.resolve("/metrics"));
            http(bundle, "agent/status.json", agent.resolve("/v1/status"));
            http(bundle, "agent/services.json", agent.resolve("/v1/services"));
        } else {
            bundle.missing("agent/", "no agent URL given");
        }
        logs(bundle);
        cluster(bundle);
    }

    private void command(SupportBundle bundle, String name, List<List<String>> runs) {
        StringBuilder b = new StringBuilder();
        for (List<String> run : runs) {
            if (!NodeCommands.onPath(run.getFirst())) {
                bundle.missing(name, run.getFirst() + " is not installed");
                return;
            }
            try {
                b.append("$ ").append(String.join(" ", run)).append('\n').append(commands.run(run));
            } catch (IOException e) {
                bundle.missing(name, e.getMessage());
                return;
            }
        }
        bundle.add(name, b.toString());
    }

    private void maps(SupportBundle bundle) {
        if (pins == null || !Files.isDirectory(pins)) {
            bundle.missing("maps/", "no kpf pins under " + pins + " (no agent has run here, or it uses another --bpffs)");
            return;
        }
        if (!NodeCommands.onPath("bpftool")) {
            bundle.missing("maps/", "bpftool is not installed");
            return;
        }
        try (Stream<Path> files = Files.list(pins)) {
            for (Path pin : files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().startsWith("kpf_")).sorted().toList()) {
                String name = "maps/" + pin.getFileName() + ".json";
                try {
                    // pins are not per network namespace, and `ip netns exec` would hide bpffs under a fresh /sys
                    bundle.add(name, new NodeCommands(List.of()).run(List.of("bpftool", "-j", "map", "dump", "pinned", pin.toString())));
                } catch (IOException e) {
                    bundle.missing(name, e.getMessage());
                }
            }
        } catch (IOException e) {
            bundle.missing("maps/", "list " + pins + ": " + e.getMessage());
        }
    }

    private static void http(SupportBundle bundle, String name, URI uri) {
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) bundle.missing(name, "GET " + uri + ": HTTP " + r.statusCode());
            else bundle.add(name, r.body());
        } catch (IOException e) {
            bundle.missing(name, "GET " + uri + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bundle.missing(name, "interrupted");
        }
    }

    /** The last {@code logLines} lines of each container log of the agent's pods (kube-system_kpf-*). */
    private void logs(SupportBundle bundle) {
        List<Path> found = new ArrayList<>();
        if (podLogs != null && Files.isDirectory(podLogs)) {
            try (Stream<Path> pods = Files.list(podLogs)) {
                for (Path pod : pods.filter(p -> p.getFileName().toString().matches("[^_]+_kpf-[^_]+_.*")).sorted().toList()) {
                    try (Stream<Path> walk = Files.walk(pod, 2)) {
                        walk.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().forEach(found::add);
                    }
                }
            } catch (IOException e) {
                bundle.missing("agent/logs/", "read " + podLogs + ": " + e.getMessage());
                return;
            }
        }
        if (found.isEmpty()) {
            bundle.missing("agent/logs/", "no kpf pod logs under " + podLogs + " (the agent does not run as a pod here; add its log yourself)");
            return;
        }
        for (Path log : found) {
            String pod = log.getParent().getParent().getFileName().toString().split("_")[1];
            String name = "agent/logs/" + pod + "-" + log.getParent().getFileName() + "-" + log.getFileName();
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                bundle.add(name, String.join("\n", lines.subList(Math.max(0, lines.size() - logLines), lines.size())) + "\n");
            } catch (IOException | RuntimeException e) {
                bundle.missing(name, e.getMessage());
            }
        }
    }

    private void cluster(SupportBundle bundle) {
        if (cluster == null) {
            bundle.missing("cluster/daemonsets.txt", "no API server");
        } else {
            ClusterReader.Read<DaemonSetRow> ds = cluster.daemonSets();
            if (!ds.ok()) {
                bundle.missing("cluster/daemonsets.txt", ds.error());
            } else {
                StringBuilder b = new StringBuilder(String.format("%-20s %-36s %7s %7s %5s %10s %9s%n", "NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"));
                for (DaemonSetRow r : ds.items()) {
                    b.append(String.format("%-20s %-36s %7d %7d %5d %10d %9d%n", r.namespace(), r.name(), r.desired(), r.current(), r.ready(), r.upToDate(), r.available()));
                }
                bundle.add("cluster/daemonsets.txt", b.toString());
            }
        }
        addKubeconfigs(bundle);
    }

    /** Each kubeconfig file (redacted as every entry is), and for a merged list the order they merge in. */
    private void addKubeconfigs(SupportBundle bundle) {
        if (kubeconfigs.isEmpty()) bundle.missing("cluster/kubeconfig.yaml", "no kubeconfig in use (in-cluster or none)");
        StringBuilder order = new StringBuilder("merged in this order (kubectl's rule: the first file that names a cluster, user or context wins):\n");
        for (int i = 0; i < kubeconfigs.size(); i++) {
            String name = i == 0 ? "cluster/kubeconfig.yaml" : "cluster/kubeconfig-" + (i + 1) + ".yaml";
            Path file = kubeconfigs.get(i);
            order.append(String.format("  %-26s %s%n", name, file));
            try {
                bundle.add(name, KubeconfigRedactor.redact(Files.readString(file)));
            } catch (IOException e) {
                bundle.missing(name, "read " + file + ": " + e.getMessage());
            }
        }
        if (kubeconfigs.size() > 1) bundle.add("cluster/kubeconfig-files.txt", order.toString());
    }
}
