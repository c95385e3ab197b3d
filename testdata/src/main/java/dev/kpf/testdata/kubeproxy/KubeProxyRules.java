package dev.kpf.testdata.kubeproxy;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.IpAddresses;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What kube-proxy would program for the same table, for side-by-side benchmarks: the iptables-restore input of
 * its iptables mode (KUBE-SERVICES -> KUBE-SVC-* with random-probability jumps -> KUBE-SEP-* with masquerade
 * marks and DNAT) and the nft -f input of its nftables mode (a verdict map of service addresses, numgen random
 * jumps to endpoint chains). IPv4 frontends only (kube-proxy keeps a separate IPv6 ruleset).
 */
public final class KubeProxyRules {
    private KubeProxyRules() {}

    /** kube-proxy's chain names: a prefix and 16 characters of base32(sha256(name)). */
    static String chain(String prefix, String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            String b32 = Base64.getEncoder().encodeToString(h).replaceAll("[^A-Za-z0-9]", "").toUpperCase(Locale.ROOT);
            return prefix + b32.substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean include(LbEntry e) {
        return e.frontend().address() instanceof Inet4Address && e.frontend().scope() == Scope.EXTERNAL;
    }

    /** iptables-restore input (nat table) for the IPv4 frontends of {@code table}. */
    public static String iptables(LbTable table) {
        StringBuilder chains = new StringBuilder("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n");
        StringBuilder rules = new StringBuilder();
        rules.append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        rules.append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        rules.append("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n");
        rules.append("-A KUBE-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE\n");
        Map<String, Boolean> seps = new LinkedHashMap<>();
        // frontends without endpoints are rejected in the filter table, as kube-proxy does
        StringBuilder filter = new StringBuilder("*filter\n:KUBE-SERVICES - [0:0]\n-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        for (LbEntry e : table.entries().values()) {
            if (!include(e)) continue;
            String proto = e.frontend().protocol().name().toLowerCase(Locale.ROOT);
            String name = e.servicePortName() + ":" + e.frontend();
            String svc = chain("KUBE-SVC-", name);
            chains.append(':').append(svc).append(" - [0:0]\n");
            String ip = IpAddresses.format(e.frontend().address());
            if (e.backends().isEmpty()) {
                filter.append("-A KUBE-SERVICES -d ").append(ip).append("/32 -p ").append(proto).append(" -m comment --comment \"")
                        .append(e.servicePortName()).append(" has no endpoints\" -m ").append(proto).append(" --dport ")
                        .append(e.frontend().port()).append(" -j REJECT\n");
                continue;
            }
            rules.append("-A KUBE-SERVICES -d ").append(ip).append("/32 -p ").append(proto).append(" -m comment --comment \"")
                    .append(e.servicePortName()).append(" cluster IP\" -m ").append(proto).append(" --dport ").append(e.frontend().port())
                    .append(" -j ").append(svc).append('\n');
            int n = e.backends().size();
            for (int i = 0; i < n; i++) {
                Backend b = e.backends().get(i);
                String ep = IpAddresses.withPort(b.address(), b.port());
                String sep = chain("KUBE-SEP-", name + "->" + ep);
                if (seps.putIfAbsent(sep, true) == null) {
                    chains.append(':').append(sep).append(" - [0:0]\n");
                    rules.append("-A ").append(sep).append(" -s ").append(IpAddresses.format(b.address())).append("/32 -m comment --comment \"")
                            .append(e.servicePortName()).append("\" -j KUBE-MARK-MASQ\n");
                    rules.append("-A ").append(sep).append(" -p ").append(proto).append(" -m comment --comment \"").append(e.servicePortName())
                            .append("\" -m ").append(proto).append(" -j DNAT --to-destination ").append(ep).append('\n');
                }
                rules.append("-A ").append(svc).append(" -m comment --comment \"").append(e.servicePortName()).append(" -> ").append(ep).append('"');
                if (i < n - 1) rules.append(String.format(Locale.ROOT, " -m statistic --mode random --probability %.10f", 1.0 / (n - i)));
                rules.append(" -j ").append(sep).append('\n');
            }
        }
        return filter.append("COMMIT\n").append(chains).append(rules).append("COMMIT\n").toString();
    }

    /**
     * The nft -f transaction kube-proxy's nftables mode sends when one Service's endpoints change: new endpoint
     * chains, the service chains of the frontends that changed ({@code before.get(i)} became {@code after.get(i)})
     * rewritten, and the endpoint chains that no frontend of {@code table} (the whole table after the change) still
     * uses deleted. Frontends {@link #nft} does not program are left out (empty when nothing is left); null when a
     * change goes from or to no endpoints (kube-proxy then moves the frontend between maps, a transaction this class
     * does not write): the ruleset then no longer follows the table, and no later transaction may be applied to it.
     */
    public static String nftChange(List<LbEntry> before, List<LbEntry> after, java.util.Collection<LbEntry> table) {
        Map<String, Backend> added = new LinkedHashMap<>();
        Map<String, Backend> old = new LinkedHashMap<>();
        StringBuilder rewrites = new StringBuilder();
        java.util.Set<String> ports = new java.util.HashSet<>();
        for (int i = 0; i < after.size(); i++) {
            LbEntry b = before.get(i), a = after.get(i);
            if (!include(a)) continue;
            if (b.backends().isEmpty() || a.backends().isEmpty()) return null;
            ports.add(a.servicePortName());
            Map<String, Backend> was = endpointChains(b), now = endpointChains(a);
            old.putAll(was);
            now.forEach((ep, be) -> { if (!was.containsKey(ep)) added.put(ep, be); });
            String svc = serviceChain(a);
            rewrites.append("flush chain ip kube-proxy ").append(svc).append('\n');
            rewrites.append("add rule ip kube-proxy ").append(svc).append(' ').append(vmapRule(now.keySet())).append('\n');
        }
        if (rewrites.isEmpty()) return "";
        java.util.Set<String> used = new java.util.HashSet<>();
        for (LbEntry e : table) if (include(e) && ports.contains(e.servicePortName())) used.addAll(endpointChains(e).keySet());
        StringBuilder b = new StringBuilder();
        added.keySet().removeAll(old.keySet());
        added.forEach((ep, be) -> {
            b.append("add chain ip kube-proxy ").append(ep).append('\n');
            for (String rule : endpointRules(be)) b.append("add rule ip kube-proxy ").append(ep).append(' ').append(rule).append('\n');
        });
        b.append(rewrites);
        old.keySet().forEach(ep -> {
            if (!used.contains(ep)) b.append("delete chain ip kube-proxy ").append(ep).append('\n');
        });
        return b.toString();
    }

    /** The name of a frontend's service chain. */
    private static String serviceChain(LbEntry e) {
        return chain("service-", e.servicePortName() + ":" + e.frontend()).toLowerCase(Locale.ROOT);
    }

    /** A service chain's one rule: a random pick among its endpoint chains. */
    private static String vmapRule(java.util.Collection<String> endpointChains) {
        StringBuilder b = new StringBuilder("numgen random mod ").append(endpointChains.size()).append(" vmap { ");
        int i = 0;
        for (String ep : endpointChains) b.append(i == 0 ? "" : ", ").append(i++).append(" : goto ").append(ep);
        return b.append(" }").toString();
    }

    /** An endpoint chain's rules: the endpoint's own traffic is marked for masquerade, then DNAT to it. */
    private static List<String> endpointRules(Backend be) {
        return List.of("ip saddr " + IpAddresses.format(be.address()) + " jump mark-for-masquerade",
                "meta l4proto " + be.protocol().name().toLowerCase(Locale.ROOT) + " dnat to " + IpAddresses.withPort(be.address(), be.port()));
    }

    /** An entry's endpoint chains by name, in its backends' order (names as {@link #nft} gives them). */
    private static Map<String, Backend> endpointChains(LbEntry e) {
        Map<String, Backend> out = new LinkedHashMap<>();
        for (Backend be : e.backends()) {
            out.putIfAbsent(chain("endpoint-", e.servicePortName() + "->" + IpAddresses.withPort(be.address(), be.port())).toLowerCase(Locale.ROOT), be);
        }
        return out;
    }

    /** nft -f input: kube-proxy's nftables-mode table for the IPv4 frontends of {@code table}. */
    public static String nft(LbTable table) {
        StringBuilder b = new StringBuilder("table ip kube-proxy {\n");
        StringBuilder elements = new StringBuilder();
        StringBuilder chains = new StringBuilder();
        StringBuilder endpointChains = new StringBuilder();
        StringBuilder rejects = new StringBuilder();
        Map<String, Boolean> endpoints = new LinkedHashMap<>();
        for (LbEntry e : table.entries().values()) {
            if (include(e) && e.backends().isEmpty()) {
                // kube-proxy rejects connections to services without endpoints through this map
                if (!rejects.isEmpty()) rejects.append(",\n");
                rejects.append("\t\t\t").append(IpAddresses.format(e.frontend().address())).append(" . ")
                        .append(e.frontend().protocol().name().toLowerCase(Locale.ROOT)).append(" . ").append(e.frontend().port())
                        .append(" comment \"").append(e.servicePortName()).append("\" : goto reject-chain");
            }
            if (!include(e) || e.backends().isEmpty()) continue;
            String proto = e.frontend().protocol().name().toLowerCase(Locale.ROOT);
            String svc = serviceChain(e);
            if (!elements.isEmpty()) elements.append(",\n");
            elements.append("\t\t\t").append(IpAddresses.format(e.frontend().address())).append(" . ").append(proto).append(" . ")
                    .append(e.frontend().port()).append(" : goto ").append(svc);
            Map<String, Backend> eps = endpointChains(e);
            chains.append("\tchain ").append(svc).append(" {\n\t\t").append(vmapRule(eps.keySet())).append("\n\t}\n");
            eps.forEach((ep, be) -> {
                if (endpoints.putIfAbsent(ep, true) != null) return;
                endpointChains.append("\tchain ").append(ep).append(" {\n");
                for (String rule : endpointRules(be)) endpointChains.append("\t\t").append(rule).append('\n');
                endpointChains.append("\t}\n");
            });
        }
        b.append("\tchain mark-for-masquerade {\n\t\tmeta mark set meta mark or 0x4000\n\t}\n");
        b.append("\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n");
        if (!elements.isEmpty()) b.append("\t\telements = {\n").append(elements).append("\n\t\t}\n");
        b.append("\t}\n");
        b.append("\tchain reject-chain {\n\t\treject\n\t}\n");
        b.append("\tmap no-endpoint-services {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n");
        if (!rejects.isEmpty()) b.append("\t\telements = {\n").append(rejects).append("\n\t\t}\n");
        b.append("\t}\n");
        b.append("\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t}\n");
        b.append("\tchain nat-output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tjump services\n\t}\n");
        b.append("\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t\tjump services\n\t}\n");
        b.append(endpointChains).append(chains);
        return b.append("}\n").toString();
    }
}
