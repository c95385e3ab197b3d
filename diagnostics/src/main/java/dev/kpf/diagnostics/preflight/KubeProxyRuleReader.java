package dev.kpf.diagnostics.preflight;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Service frontends kube-proxy programmed on a node back out of its rules: the iptables mode's nat table
 * ({@code iptables-save}: KUBE-SERVICES and KUBE-NODEPORTS jumps, followed through KUBE-SVC/SVL/EXT/FW chains to
 * the KUBE-SEP DNAT targets) with the filter table's REJECTs for services without endpoints, and the nftables
 * mode's {@code kube-proxy} table ({@code nft list table ip kube-proxy}: the service-ips and service-nodeports
 * verdict maps, and no-endpoint-services for rejects, followed through the chains to their {@code dnat to} targets). Frontends are keyed
 * {@code ip:port/PROTO}; NodePorts, which kube-proxy matches on every local address, as {@code *:port/PROTO}.
 */
public final class KubeProxyRuleReader {
    private KubeProxyRuleReader() {}

    /** Frontend key to its backends ("ip:port"), sorted; an empty set is a frontend that rejects (no endpoints). */
    public record Programmed(Map<String, Set<String>> frontends) {
        public Programmed {
            Map<String, Set<String>> copy = new TreeMap<>();
            frontends.forEach((k, v) -> copy.put(k, Set.copyOf(new TreeSet<>(v))));
            frontends = java.util.Collections.unmodifiableMap(copy);
        }
    }

    /** From {@code iptables-save} output holding the nat table and (optionally) the filter table. */
    public static Programmed iptables(String save) {
        Map<String, List<String>> jumps = new HashMap<>();
        Map<String, String> dnat = new HashMap<>();
        Map<String, String> entry = new TreeMap<>();
        Set<String> rejected = new TreeSet<>();
        String table = "";
        for (String line : save.lines().toList()) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
                continue;
            }
            if (!line.startsWith("-A ")) continue;
            List<String> t = tokens(line);
            String chain = t.get(1);
            String target = value(t, "-j");
            String proto = value(t, "-p");
            String dport = value(t, "--dport");
            String dest = value(t, "-d");
            if (table.equals("filter") && "REJECT".equals(target) && dest != null && dport != null && proto != null
                    && (chain.equals("KUBE-SERVICES") || chain.equals("KUBE-EXTERNAL-SERVICES"))) {
                rejected.add(key(dest, dport, proto));
                continue;
            }
            if (!table.equals("nat") || target == null) continue;
            if (chain.equals("KUBE-SERVICES") && dest != null && dport != null && proto != null && isKube(target)) {
                entry.put(key(dest, dport, proto), target);
            } else if (chain.equals("KUBE-NODEPORTS") && dport != null && proto != null && isKube(target)) {
                entry.put(key("*", dport, proto), target);
            } else if (target.equals("DNAT")) {
                String to = value(t, "--to-destination");
                if (to != null) dnat.put(chain, to);
            } else if (isKube(target)) {
                jumps.computeIfAbsent(chain, c -> new ArrayList<>()).add(target);
            }
        }
        Map<String, Set<String>> out = new TreeMap<>();
        entry.forEach((k, chain) -> out.put(k, resolve(chain, jumps, dnat, new HashSet<>())));
        for (String r : rejected) out.putIfAbsent(r, Set.of());
        return new Programmed(out);
    }

    private static final Pattern CHAIN = Pattern.compile("^\\s*chain ([\\w./:-]+) \\{");
    private static final Pattern MAP = Pattern.compile("^\\s*map ([\\w-]+) \\{");
    private static final Pattern IP_ELEMENT = Pattern.compile("([0-9a-fA-F.:]+) \\. (tcp|udp|sctp) \\. (\\d+)(?: comment \"[^\"]*\")? : (?:goto|jump) ([\\w./:-]+)");
    private static final Pattern PORT_ELEMENT = Pattern.compile("(tcp|udp|sctp) \\. (\\d+)(?: comment \"[^\"]*\")? : (?:goto|jump) ([\\w./:-]+)");
    private static final Pattern VERDICT = Pattern.compile("(?:goto|jump) ([\\w./:-]+)");
    private static final Pattern DNAT = Pattern.compile("dnat (?:ip )?to ([0-9a-fA-F.:\\[\\]]+:\\d+)");

    /** From {@code nft list table ip kube-proxy} output. */
    public static Programmed nft(String table) {
        Map<String, List<String>> jumps = new HashMap<>();
        Map<String, String> dnat = new HashMap<>();
        Map<String, String> entry = new TreeMap<>();
        Set<String> rejected = new TreeSet<>();
        String chain = null, map = null;
        for (String line : table.lines().toList()) {
            Matcher c = CHAIN.matcher(line), m = MAP.matcher(line);
            if (c.find()) {
                chain = c.group(1);
                map = null;
                continue;
            }
            if (m.find()) {
                map = m.group(1);
                chain = null;
                continue;
            }
            if (line.strip().equals("}") && line.indexOf('}') <= 1) {
                chain = null;
                map = null;
                continue;
            }
            if ("service-ips".equals(map)) {
                Matcher e = IP_ELEMENT.matcher(line);
                while (e.find()) entry.put(key(e.group(1), e.group(3), e.group(2)), e.group(4));
            } else if ("no-endpoint-services".equals(map)) {
                Matcher e = IP_ELEMENT.matcher(line);
                while (e.find()) rejected.add(key(e.group(1), e.group(3), e.group(2)));
            } else if ("service-nodeports".equals(map)) {
                Matcher e = PORT_ELEMENT.matcher(line);
                while (e.find()) entry.put(key("*", e.group(2), e.group(1)), e.group(3));
            } else if (chain != null) {
                Matcher d = DNAT.matcher(line);
                if (d.find()) dnat.put(chain, d.group(1));
                if (line.contains("@")) continue;
                Matcher v = VERDICT.matcher(line);
                while (v.find()) if (!v.group(1).equals("mark-for-masquerade")) jumps.computeIfAbsent(chain, k -> new ArrayList<>()).add(v.group(1));
            }
        }
        Map<String, Set<String>> out = new TreeMap<>();
        entry.forEach((k, target) -> out.put(k, resolve(target, jumps, dnat, new HashSet<>())));
        for (String r : rejected) out.putIfAbsent(r, Set.of());
        return new Programmed(out);
    }

    private static Set<String> resolve(String chain, Map<String, List<String>> jumps, Map<String, String> dnat, Set<String> seen) {
        if (!seen.add(chain)) return Set.of();
        if (dnat.containsKey(chain)) return Set.of(dnat.get(chain));
        Set<String> out = new TreeSet<>();
        for (String next : jumps.getOrDefault(chain, List.of())) out.addAll(resolve(next, jumps, dnat, seen));
        return out;
    }

    private static boolean isKube(String target) {
        return target.startsWith("KUBE-SVC-") || target.startsWith("KUBE-SVL-") || target.startsWith("KUBE-EXT-")
                || target.startsWith("KUBE-FW-") || target.startsWith("KUBE-SEP-");
    }

    private static String key(String dest, String port, String proto) {
        String ip = dest.endsWith("/32") || dest.endsWith("/128") ? dest.substring(0, dest.lastIndexOf('/')) : dest;
        return ip + ":" + port + "/" + proto.toUpperCase(java.util.Locale.ROOT);
    }

    private static String value(List<String> tokens, String flag) {
        int i = tokens.indexOf(flag);
        return i >= 0 && i + 1 < tokens.size() ? tokens.get(i + 1) : null;
    }

    /** Splits an iptables-save rule on spaces, keeping "quoted comments" as one token. */
    public static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && quoted && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ' ' && !quoted) {
                if (!cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (!cur.isEmpty()) out.add(cur.toString());
        return out;
    }
}
