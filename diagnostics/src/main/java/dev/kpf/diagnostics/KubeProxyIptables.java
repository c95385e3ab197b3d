package dev.kpf.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kube-proxy's own iptables objects in an {@code iptables-save} dump, and the {@code iptables-restore --noflush}
 * script that removes exactly those. Names come from kube-proxy's source: the top-level chains of its iptables mode
 * (pkg/proxy/iptables/proxier.go: KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-POSTROUTING,
 * KUBE-MARK-MASQ, KUBE-FORWARD, KUBE-PROXY-FIREWALL, KUBE-PROXY-CANARY) and of its ipvs mode (pkg/proxy/ipvs/proxier.go:
 * KUBE-LOAD-BALANCER, KUBE-NODE-PORT, KUBE-SOURCE-RANGES-FIREWALL, KUBE-IPVS-FILTER, KUBE-IPVS-OUT-FILTER), and its
 * per-service chains (isServiceChainName: KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-FW-, KUBE-SEP-, and KUBE-XLB- of older
 * releases). Not kube-proxy's, and never touched: kubelet's KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT and
 * KUBE-MARK-DROP, kube-router's KUBE-ROUTER-*, KUBE-NWPLCY-*, KUBE-POD-FW-*, any other chain, and a rule whose comment
 * merely mentions a KUBE- name. A rule outside kube-proxy's chains is removed only when its target is one of them.
 */
public final class KubeProxyIptables {
    private static final Set<String> CHAINS = Set.of("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
            "KUBE-MARK-MASQ", "KUBE-FORWARD", "KUBE-PROXY-FIREWALL", "KUBE-PROXY-CANARY", "KUBE-LOAD-BALANCER", "KUBE-NODE-PORT",
            "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER");
    private static final List<String> SERVICE_CHAIN_PREFIXES = List.of("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-", "KUBE-XLB-");

    private KubeProxyIptables() {}

    /** Whether {@code chain} is one kube-proxy creates (and removes in its own cleanup). */
    public static boolean isKubeProxyChain(String chain) {
        return CHAINS.contains(chain) || SERVICE_CHAIN_PREFIXES.stream().anyMatch(p -> chain.startsWith(p) && chain.length() > p.length());
    }

    /** One table of a dump: its chain names (declaration order) and its rules, as {@code -A CHAIN ...} lines. */
    record Table(String name, List<String> chains, List<String> rules) {}

    /** The tables of an {@code iptables-save} dump (comments and counters aside). */
    static List<Table> parse(String dump) {
        List<Table> out = new ArrayList<>();
        String name = null;
        List<String> chains = null, rules = null;
        for (String line : dump.lines().toList()) {
            if (line.startsWith("*")) {
                name = line.substring(1).strip();
                chains = new ArrayList<>();
                rules = new ArrayList<>();
            } else if (line.equals("COMMIT") && name != null) {
                out.add(new Table(name, chains, rules));
                name = null;
            } else if (name != null && line.startsWith(":")) {
                chains.add(line.substring(1).split(" ", 2)[0]);
            } else if (name != null && line.startsWith("-A ")) {
                rules.add(line);
            }
        }
        return out;
    }

    /** The chain a {@code -A CHAIN ...} line belongs to. */
    static String chainOf(String rule) {
        return rule.split(" ", 3)[1];
    }

    /** The chain a rule jumps or goes to ({@code -j}/{@code -g} as a word, outside quoted comments), or null. */
    static String targetOf(String rule) {
        List<String> words = dev.kpf.diagnostics.preflight.KubeProxyRuleReader.tokens(rule);
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("-j") || words.get(i).equals("--jump") || words.get(i).equals("-g") || words.get(i).equals("--goto")) return words.get(i + 1);
        }
        return null;
    }

    /** What kube-proxy left in one table: its chains, and the rules elsewhere that jump to them. */
    record Leftovers(String table, List<String> chains, List<String> jumps) {
        boolean isEmpty() {
            return chains.isEmpty() && jumps.isEmpty();
        }

        /**
         * The {@code iptables-restore --noflush} block that removes exactly these: each jump deleted by its own spec,
         * each chain flushed (declared again) and deleted. Nothing else in the table is named, so every other rule, its
         * counters, and rules added meanwhile stay; the table's changes commit at once or not at all.
         */
        String restoreScript() {
            StringBuilder b = new StringBuilder("*").append(table).append('\n');
            for (String c : chains) b.append(':').append(c).append(" - [0:0]\n");
            for (String j : jumps) b.append("-D ").append(j.substring(3)).append('\n');
            for (String c : chains) b.append("-X ").append(c).append('\n');
            return b.append("COMMIT\n").toString();
        }
    }

    /** kube-proxy's leftovers in each table of {@code dump} that has any. */
    static List<Leftovers> find(String dump) {
        List<Leftovers> out = new ArrayList<>();
        for (Table t : parse(dump)) {
            List<String> chains = t.chains().stream().filter(KubeProxyIptables::isKubeProxyChain).toList();
            List<String> jumps = new ArrayList<>();
            for (String rule : t.rules()) {
                String target = targetOf(rule);
                if (target != null && isKubeProxyChain(target) && !isKubeProxyChain(chainOf(rule))) jumps.add(rule);
            }
            Leftovers l = new Leftovers(t.name(), chains, jumps);
            if (!l.isEmpty()) out.add(l);
        }
        return out;
    }

    /** Every line of {@code dump} that is kube-proxy's: its chains, their rules and the rules jumping to them (what a running kube-proxy rewrites). */
    static List<String> ownLines(String dump) {
        List<String> out = new ArrayList<>();
        for (Table t : parse(dump)) {
            for (String c : t.chains()) if (isKubeProxyChain(c)) out.add(t.name() + " :" + c);
            for (String rule : t.rules()) {
                String target = targetOf(rule);
                if (isKubeProxyChain(chainOf(rule)) || (target != null && isKubeProxyChain(target))) out.add(t.name() + " " + rule);
            }
        }
        return out;
    }

    /** Counts per table, for the check's observation: {@code nat 12 chains, 3 jumps}. */
    static Map<String, String> summary(List<Leftovers> found) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Leftovers l : found) out.put(l.table(), l.chains().size() + " chains, " + l.jumps().size() + " jumps");
        return out;
    }
}
