package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The translated table: every frontend with its entry, in frontend order, plus the problems the translation
 * reported (per service; the rest is still translated). Immutable.
 */
public record LbTable(NavigableMap<Frontend, LbEntry> entries, List<Problem> problems) {
    public LbTable {
        entries = Collections.unmodifiableNavigableMap(new TreeMap<>(entries));
        problems = List.copyOf(problems);
    }

    public static LbTable empty() {
        return new LbTable(new TreeMap<>(), List.of());
    }

    public int size() {
        return entries.size();
    }

    /** Distinct backends (address, port, protocol) over all entries. */
    public long backendCount() {
        java.util.Set<Identity> seen = new java.util.HashSet<>();
        for (LbEntry e : entries.values()) for (Backend b : e.backends()) seen.add(new Identity(b.ip(), b.port(), b.protocol()));
        return seen.size();
    }

    private record Identity(dev.kpf.dataplane.model.IpAddress address, int port, Protocol protocol) {}

    /** One line per frontend, then one line per problem prefixed with {@code ! }: the golden-file form. */
    public List<String> dump() {
        List<String> out = new ArrayList<>(entries.size() + problems.size());
        for (LbEntry e : entries.values()) out.add(e.line());
        for (Problem p : problems) out.add("! " + p);
        return out;
    }

    /** What changed from {@code previous} to this table. */
    public LbDiff diff(LbTable previous) {
        return LbDiff.between(previous, this);
    }
}
