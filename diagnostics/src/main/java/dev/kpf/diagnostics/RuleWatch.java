package dev.kpf.diagnostics;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Whether kube-proxy is rewriting its rules right now: two snapshots of the KUBE-* parts of the nat table (iptables)
 * and of kube-proxy's nft tables, taken a window apart, counters left out.
 */
final class RuleWatch {
    private RuleWatch() {}

    /** A sentence naming what changed, or null when nothing changed (or there are no kube-proxy rules at all). */
    static String changedDuring(NodeCommands commands, Duration window) throws IOException {
        Snapshot before = Snapshot.take(commands);
        if (before.iptables().isEmpty() && before.nft().isEmpty()) return null;
        try {
            Thread.sleep(window.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        Snapshot after = Snapshot.take(commands);
        if (!before.iptables().equals(after.iptables())) return "KUBE-* iptables rules changed within " + window.toMillis() + " ms";
        if (!before.nft().equals(after.nft())) return "nft table kube-proxy changed within " + window.toMillis() + " ms";
        return null;
    }

    private record Snapshot(String iptables, String nft) {
        static Snapshot take(NodeCommands commands) throws IOException {
            String iptables = "";
            if (NodeCommands.onPath("iptables-save")) {
                // kube-proxy's own chains, their rules and the rules jumping to them (kubelet's and other tools' KUBE-* aside)
                iptables = String.join("\n", KubeProxyIptables.ownLines(commands.run(List.of("iptables-save", "-t", "nat"))));
            }
            String nft = "";
            if (NodeCommands.onPath("nft") && commands.run(List.of("nft", "list", "tables")).lines().anyMatch(l -> l.strip().equals("table ip kube-proxy"))) {
                nft = commands.run(List.of("nft", "list", "table", "ip", "kube-proxy")).lines()
                        .map(l -> l.replaceAll("counter packets \\d+ bytes \\d+", "counter"))
                        .collect(Collectors.joining("\n"));
            }
            return new Snapshot(iptables, nft);
        }
    }
}
