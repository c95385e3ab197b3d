package dev.kpf.diagnostics;

import dev.kpf.probes.probe.ProbeStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code node.leftover-rules}: what kube-proxy leaves behind: its own iptables chains and the rules that jump to
 * them (nft and legacy backends, both families; {@link KubeProxyIptables} says which, by kube-proxy's names) and the
 * {@code kube-proxy} tables of its nftables mode. Kubelet's and other tools' KUBE-* chains are not leftovers. Reading
 * never changes anything; {@link #plan} computes the exact removal and {@link #apply} carries it out with targeted
 * deletions ({@code iptables-restore --noflush}: every other rule, its counters and rules added meanwhile stay).
 * Commands run under a prefix (e.g. {@code ip netns exec NS}) so tests work inside their own namespace.
 */
public final class LeftoverRules {
    public static final String ID = "node.leftover-rules";
    private final NodeCommands commands;

    public LeftoverRules(List<String> prefix) {
        this.commands = new NodeCommands(prefix, java.time.Duration.ofSeconds(60));
    }

    private record Backend(String save, String restore) {
        String name() {
            return save.replace("-save", "");
        }
    }

    private static final List<Backend> BACKENDS = List.of(new Backend("iptables-save", "iptables-restore"),
            new Backend("ip6tables-save", "ip6tables-restore"), new Backend("iptables-legacy-save", "iptables-legacy-restore"),
            new Backend("ip6tables-legacy-save", "ip6tables-legacy-restore"));

    /** One step of a removal: a restore script for one backend's table, or an nft table to delete. */
    public sealed interface Step {
        /** What the step runs, exactly (for --dry-run). */
        String show();

        record Restore(String backend, String restoreCommand, KubeProxyIptables.Leftovers leftovers) implements Step {
            public String show() {
                return restoreCommand + " --noflush <<'EOF'\n" + leftovers.restoreScript() + "EOF";
            }
        }

        record NftTable(String family) implements Step {
            public String show() {
                return "nft delete table " + family + " kube-proxy";
            }
        }
    }

    public CheckResult check() {
        List<String> found = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (Backend b : BACKENDS) {
            if (!onPath(b.save())) continue;
            try {
                Map<String, String> summary = KubeProxyIptables.summary(KubeProxyIptables.find(run(List.of(b.save()))));
                summary.forEach((table, counts) -> found.add(b.name() + " " + table + ": " + counts));
            } catch (IOException e) {
                unreadable.add(b.save() + " (" + e.getMessage() + ")");
            }
        }
        try {
            nftTables().forEach(family -> found.add("nft table " + family + " kube-proxy"));
        } catch (IOException e) {
            unreadable.add("nft (" + e.getMessage() + ")");
        }
        String expected = "none of kube-proxy's chains or rules (iptables) and no kube-proxy nft tables";
        if (!found.isEmpty()) {
            return CheckResult.of(ID, "node", ProbeStatus.FAIL, "kube-proxy's " + String.join("; ", found), expected,
                    "kube-proxy's rules are still here (and still rewrite Service traffic if it runs): stop kube-proxy, then run "
                            + "`kpf doctor --fix-leftovers --dry-run` to see the exact removal and `kpf doctor --fix-leftovers --yes` to do it "
                            + "(only kube-proxy's own chains and the rules jumping to them; kubelet's and other rules stay), or `kube-proxy --cleanup`");
        }
        if (!unreadable.isEmpty()) {
            return CheckResult.of(ID, "node", ProbeStatus.UNKNOWN, "could not read " + String.join(", ", unreadable), expected, "run as root");
        }
        return CheckResult.of(ID, "node", ProbeStatus.PASS, "none", expected, "");
    }

    /** The exact removal, read from the node now; nothing is changed. */
    public List<Step> plan() throws IOException {
        List<Step> steps = new ArrayList<>();
        for (Backend b : BACKENDS) {
            if (!onPath(b.save()) || !onPath(b.restore())) continue;
            for (KubeProxyIptables.Leftovers l : KubeProxyIptables.find(run(List.of(b.save())))) steps.add(new Step.Restore(b.name(), b.restore(), l));
        }
        for (String family : nftTables()) steps.add(new Step.NftTable(family));
        return steps;
    }

    /** Carries out {@code steps}; returns what was done, a line each. */
    public List<String> apply(List<Step> steps) throws IOException {
        List<String> done = new ArrayList<>();
        for (Step step : steps) {
            switch (step) {
                case Step.Restore r -> {
                    Path file = Files.createTempFile("kpf-leftovers", ".rules");
                    try {
                        Files.writeString(file, r.leftovers().restoreScript());
                        run(List.of(r.restoreCommand(), "--noflush", file.toString()));
                    } finally {
                        Files.deleteIfExists(file);
                    }
                    done.add(r.backend() + " " + r.leftovers().table() + ": removed " + DoctorSummary.count(r.leftovers().chains().size(), "kube-proxy chain")
                            + " and " + DoctorSummary.count(r.leftovers().jumps().size(), "rule") + " jumping to them");
                }
                case Step.NftTable t -> {
                    run(List.of("nft", "delete", "table", t.family(), "kube-proxy"));
                    done.add("nft: deleted table " + t.family() + " kube-proxy");
                }
            }
        }
        return done;
    }

    /** Plans and applies at once. */
    public List<String> fix() throws IOException {
        return apply(plan());
    }

    private List<String> nftTables() throws IOException {
        if (!onPath("nft")) return List.of();
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("nft", "list", "tables")).lines().map(String::strip).toList()) {
            if (line.equals("table ip kube-proxy")) out.add("ip");
            if (line.equals("table ip6 kube-proxy")) out.add("ip6");
        }
        return out;
    }

    private static boolean onPath(String command) {
        return NodeCommands.onPath(command);
    }

    private String run(List<String> command) throws IOException {
        return commands.run(command);
    }
}
