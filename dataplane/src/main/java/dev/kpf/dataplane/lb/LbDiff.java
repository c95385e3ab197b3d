package dev.kpf.dataplane.lb;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The minimal change from one table to the next: frontends added, frontends removed, and for frontends present in
 * both, the backends added, removed or changed (state or locality) and whether the frontend's settings changed
 * (affinity, source ranges, policies). Unchanged frontends do not appear.
 */
public record LbDiff(List<LbEntry> added, List<Frontend> removed, List<Change> changed) {
    public LbDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    /** One frontend present before and after whose entry differs. */
    public record Change(LbEntry before, LbEntry after, List<Backend> backendsAdded, List<Backend> backendsRemoved,
                         List<Backend> backendsChanged, boolean settingsChanged) {
        public Change {
            backendsAdded = List.copyOf(backendsAdded);
            backendsRemoved = List.copyOf(backendsRemoved);
            backendsChanged = List.copyOf(backendsChanged);
        }
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    static LbDiff between(LbTable before, LbTable after) {
        return between(before.entries(), after.entries());
    }

    /** The diff between two sets of entries keyed by frontend (whole tables, or the entries of some services). */
    static LbDiff between(Map<Frontend, LbEntry> old, Map<Frontend, LbEntry> now) {
        List<LbEntry> added = new ArrayList<>();
        List<Frontend> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        for (LbEntry e : now.values()) {
            LbEntry o = old.get(e.frontend());
            if (o == null) added.add(e);
            else if (o != e && !o.equals(e)) changed.add(change(o, e));
        }
        for (Frontend f : old.keySet()) {
            if (!now.containsKey(f)) removed.add(f);
        }
        added.sort(java.util.Comparator.comparing(LbEntry::frontend));
        removed.sort(null);
        changed.sort(java.util.Comparator.comparing(c -> c.after().frontend()));
        return new LbDiff(added, removed, changed);
    }

    private static Change change(LbEntry before, LbEntry after) {
        Map<String, Backend> oldByAddr = new java.util.LinkedHashMap<>();
        for (Backend b : before.backends()) oldByAddr.put(key(b), b);
        Set<String> seen = new HashSet<>();
        List<Backend> added = new ArrayList<>(), removed = new ArrayList<>(), changedBackends = new ArrayList<>();
        for (Backend b : after.backends()) {
            String k = key(b);
            seen.add(k);
            Backend o = oldByAddr.get(k);
            if (o == null) added.add(b);
            else if (!o.equals(b)) changedBackends.add(b);
        }
        for (Map.Entry<String, Backend> e : oldByAddr.entrySet()) {
            if (!seen.contains(e.getKey())) removed.add(e.getValue());
        }
        boolean settings = before.type() != after.type() || !before.service().equals(after.service())
                || !before.portName().equals(after.portName())
                || before.affinityTimeoutSeconds() != after.affinityTimeoutSeconds()
                || !before.sourceRanges().equals(after.sourceRanges())
                || before.externalPolicyLocal() != after.externalPolicyLocal()
                || before.internalPolicyLocal() != after.internalPolicyLocal()
                || before.healthCheckNodePort() != after.healthCheckNodePort();
        return new Change(before, after, added, removed, changedBackends, settings);
    }

    private static String key(Backend b) {
        return b.ip().toString() + "|" + b.port() + "|" + b.protocol();
    }

    /** Human-readable lines: {@code + frontend}, {@code - frontend}, {@code ~ frontend: +backend -backend}. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        added.forEach(e -> out.add("+ " + e.line()));
        removed.forEach(f -> out.add("- " + f));
        for (Change c : changed) {
            StringBuilder b = new StringBuilder("~ ").append(c.after().frontend()).append(':');
            c.backendsAdded().forEach(x -> b.append(" +").append(x.describe()));
            c.backendsRemoved().forEach(x -> b.append(" -").append(x.describe()));
            c.backendsChanged().forEach(x -> b.append(" ~").append(x.describe()));
            if (c.settingsChanged()) b.append(" settings: ").append(c.after().line());
            out.add(b.toString());
        }
        return out;
    }
}
