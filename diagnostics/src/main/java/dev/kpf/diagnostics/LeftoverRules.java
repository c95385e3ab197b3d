package dev.kpf.diagnostics;

import dev.kpf.probes.probe.ProbeStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code node.leftover-rules}: what kube-proxy leaves behind: KUBE-* chains in iptables (nft and legacy backends)
 * and the {@code kube-proxy} tables of its nftables mode. Reading never changes anything; {@link #fix} removes
 * exactly those and leaves every other rule as it was. Commands run under a prefix (e.g. {@code ip netns exec NS})
 * so tests work inside their own namespace.
 */
public final class LeftoverRules {
    private final NodeCommands commands;

    public LeftoverRules(List<String> prefix) {
        this.commands = new NodeCommands(prefix, java.time.Duration.ofSeconds(60));
    }

    private record Backend(String save, String restore) {}

    private static final List<Backend> BACKENDS = List.of(new Backend("iptables-save", "iptables-restore"),
            new Backend("ip6tables-save", "ip6tables-restore"), new Backend("iptables-legacy-save", "iptables-legacy-restore"),
            new Backend("ip6tables-legacy-save", "ip6tables-legacy-restore"));

    public CheckResult check() {
        List<String> found = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (Backend b : BACKENDS) {
            if (!onPath(b.save())) continue;
            try {
                long chains = run(List.of(b.save())).lines().filter(l -> l.startsWith(":KUBE-")).count();
                if (chains > 0) found.add(b.save().replace("-save", "") + ": " + chains + " KUBE-* chains");
            } catch (IOException e) {
                unreadable.add(b.save() + " (" + e.getMessage() + ")");
            }
        }
        if (onPath("nft")) {
            try {
                run(List.of("nft", "list", "tables")).lines().map(String::strip)
                        .filter(l -> l.equals("table ip kube-proxy") || l.equals("table ip6 kube-proxy"))
                        .forEach(l -> found.add("nft " + l));
            } catch (IOException e) {
                unreadable.add("nft (" + e.getMessage() + ")");
            }
        }
        String expected = "no KUBE-* chains and no kube-proxy nft tables";
        if (!found.isEmpty()) {
            return CheckResult.of("node.leftover-rules", "node", ProbeStatus.FAIL, String.join("; ", found), expected,
                    "kube-proxy's rules are still here (and still rewrite Service traffic if it runs): stop kube-proxy, then run "
                            + "`kpf doctor --fix-leftovers --yes` (removes exactly these, keeps other rules) or `kube-proxy --cleanup`");
        }
        if (!unreadable.isEmpty()) {
            return CheckResult.of("node.leftover-rules", "node", ProbeStatus.UNKNOWN, "could not read " + String.join(", ", unreadable), expected,
                    "run as root");
        }
        return CheckResult.of("node.leftover-rules", "node", ProbeStatus.PASS, "none", expected, "");
    }

    /** Removes KUBE-* chains and the rules that use them from every backend, and the kube-proxy nft tables. */
    public List<String> fix() throws IOException {
        List<String> done = new ArrayList<>();
        for (Backend b : BACKENDS) {
            if (!onPath(b.save()) || !onPath(b.restore())) continue;
            String saved = run(List.of(b.save()));
            if (saved.lines().noneMatch(l -> l.startsWith(":KUBE-"))) continue;
            StringBuilder kept = new StringBuilder();
            long removed = 0;
            for (String line : saved.lines().toList()) {
                boolean kube = line.startsWith(":KUBE-") || line.contains(" KUBE-") || line.startsWith("-A KUBE-");
                if (kube) removed++;
                else if (!line.startsWith("#")) kept.append(line).append('\n');
            }
            Path file = Files.createTempFile("kpf-leftovers", ".rules");
            try {
                Files.writeString(file, kept);
                run(List.of(b.restore(), file.toString()));
            } finally {
                Files.deleteIfExists(file);
            }
            done.add(b.save().replace("-save", "") + ": removed " + removed + " KUBE-* chains and rules");
        }
        if (onPath("nft")) {
            for (String family : List.of("ip", "ip6")) {
                if (run(List.of("nft", "list", "tables")).lines().anyMatch(l -> l.strip().equals("table " + family + " kube-proxy"))) {
                    run(List.of("nft", "delete", "table", family, "kube-proxy"));
                    done.add("nft: deleted table " + family + " kube-proxy");
                }
            }
        }
        return done;
    }

    private static boolean onPath(String command) {
        return NodeCommands.onPath(command);
    }

    private String run(List<String> command) throws IOException {
        return commands.run(command);
    }
}
