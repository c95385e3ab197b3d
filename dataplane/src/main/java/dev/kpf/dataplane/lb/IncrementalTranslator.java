package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The translation kept up to date change by change, like kube-proxy's change trackers: upserts and deletes of
 * Services, EndpointSlices and Nodes only mark services dirty; {@link #sync()} retranslates the dirty ones and
 * returns exactly what changed. A frontend claimed by two services goes to the first of them in namespace/name
 * order, as in a full translation, whatever the order of the changes: after every sync the table is what a full
 * translation gives, so an agent that restarts serves what it served ({@code FrontendClaimsTest}). The other
 * claimants are reported and wait: whenever the holder is translated again, they are too (a frontend it lets go is
 * taken at that sync), and one that sorts before the holder takes the frontend from it when it claims it. Not
 * thread-safe: one sync loop owns it.
 */
public final class IncrementalTranslator {
    private final ServiceTranslator translator;
    private final Translation translation;
    private final Map<ObjectRef, Service> services = new HashMap<>();
    /**
     * Each service's slices, sorted by name, by the service's reference; and each slice's service. A list per
     * service, not a map by name: most services have one slice, and a {@code TreeMap} with its entry and a
     * {@code namespace/name} text per service and slice took about 1.5 MB at 10,000 x 10 (a heap dump, by hand).
     */
    private final Map<ObjectRef, List<EndpointSlice>> slices = new HashMap<>();
    private final Map<ObjectRef, ObjectRef> sliceOwner = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<ObjectRef, List<LbEntry>> current = new HashMap<>();
    /**
     * Every entry of {@link #current} by frontend, kept in order as services change, so a table is a copy, not a
     * sort. A full translation leaves it to be rebuilt once by {@link #table} (one sort instead of keeping order
     * entry by entry, which cost a JIT-cold first sync 18 ms more at 10,000 Services).
     */
    private final TreeMap<Frontend, LbEntry> sorted = new TreeMap<>();
    private boolean sortedCurrent = true;
    private final Map<ObjectRef, List<Problem>> serviceProblems = new HashMap<>();
    private final Map<Frontend, ObjectRef> claims = new HashMap<>();
    /** Services whose claim on a frontend was refused because another held it: translated again when that one is. */
    private final Map<Frontend, Set<ObjectRef>> waiting = new HashMap<>();
    /** Services to retranslate; {@link #sync} takes them in namespace/name order (which decides frontend claims). */
    private final Set<ObjectRef> dirty = new HashSet<>();
    private List<Problem> sourceProblems = List.of();
    private ClusterState loaded;

    public IncrementalTranslator(ServiceTranslator translator) {
        this(translator, translator::translateService);
    }

    /** One service's entries (ServiceTranslator's; a test gives one that fails). */
    interface Translation {
        List<LbEntry> apply(Service svc, List<EndpointSlice> slices, Optional<Node> node, List<Problem> problems);
    }

    IncrementalTranslator(ServiceTranslator translator, Translation translation) {
        this.translator = translator;
        this.translation = translation;
    }

    private static String serviceKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    public void upsertService(Service s) {
        loaded = null;
        putService(s.ref(), s);
    }

    public void deleteService(ObjectRef ref) {
        loaded = null;
        dropService(ref);
    }

    public void upsertSlice(EndpointSlice slice) {
        loaded = null;
        putSlice(slice.ref(), slice);
    }

    public void deleteSlice(ObjectRef ref) {
        loaded = null;
        dropSlice(ref);
    }

    private void putService(ObjectRef ref, Service s) {
        services.put(ref, s);
        dirty.add(ref);
    }

    private void dropService(ObjectRef ref) {
        if (services.remove(ref) != null) dirty.add(ref);
    }

    private void putSlice(ObjectRef ref, EndpointSlice slice) {
        ObjectRef owner = ObjectRef.service(slice.namespace(), slice.serviceName());
        ObjectRef previous = sliceOwner.put(ref, owner);
        if (previous != null && !previous.equals(owner)) removeSlice(ref, previous);
        slices.merge(owner, List.of(slice), (had, one) -> withSlice(had, slice));
        dirty.add(owner);
    }

    /** {@code had} (sorted by name) with {@code slice} in its place: instead of the one of its name, or added. */
    private static List<EndpointSlice> withSlice(List<EndpointSlice> had, EndpointSlice slice) {
        List<EndpointSlice> out = new ArrayList<>(had.size() + 1);
        boolean placed = false;
        for (EndpointSlice s : had) {
            int c = s.name().compareTo(slice.name());
            if (!placed && c >= 0) {
                out.add(slice);
                placed = true;
                if (c == 0) continue;
            }
            out.add(s);
        }
        if (!placed) out.add(slice);
        return List.copyOf(out);
    }

    private void dropSlice(ObjectRef ref) {
        ObjectRef owner = sliceOwner.remove(ref);
        if (owner != null) removeSlice(ref, owner);
    }

    private void removeSlice(ObjectRef ref, ObjectRef owner) {
        slices.computeIfPresent(owner, (k, had) -> {
            List<EndpointSlice> left = had.stream().filter(s -> !s.name().equals(ref.name())).toList();
            return left.isEmpty() ? null : left;
        });
        dirty.add(owner);
    }

    /** The slice of this name among the service's, or null. */
    private EndpointSlice sliceNamed(ObjectRef owner, String name) {
        for (EndpointSlice s : slices.getOrDefault(owner, List.of())) if (s.name().equals(name)) return s;
        return null;
    }

    /** Nodes decide NodePort addresses, locality and zone: a change to this node makes every service dirty. */
    public void upsertNode(Node node) {
        loaded = null;
        putNode(node);
    }

    public void deleteNode(String name) {
        loaded = null;
        dropNode(name);
    }

    private void putNode(Node node) {
        Node old = nodes.put(node.name(), node);
        if (node.name().equals(translator.nodeName()) && !node.equals(old)) dirty.addAll(services.keySet());
    }

    private void dropNode(String name) {
        if (nodes.remove(name) != null && name.equals(translator.nodeName())) dirty.addAll(services.keySet());
    }

    /**
     * What a {@link #load} found: how many objects were added, changed or gone (kube-proxy's service and endpoint
     * change counts; one EndpointSlice is one endpoint change), the trigger times of the slices added or changed, by
     * service ("namespace/name"), and the services that lost a slice (kube-proxy forgets their earlier trigger times:
     * a deleted slice's annotation dates from its last update, not from the deletion).
     */
    public record Changes(int services, int slices, Map<String, List<java.time.Instant>> triggerTimes, Set<String> sliceRemoved) {}

    /**
     * Replaces everything with {@code state}: objects that are new, changed or gone make their services dirty. Sources
     * hand over the same instances for unchanged objects, and the same map for a kind with no change at all: what is
     * the same instance as in the state loaded last is skipped without a look (unless something was upserted or
     * deleted directly since), so a load costs what changed plus one pass over references.
     */
    public Changes load(ClusterState state) {
        ClusterState before = loaded;
        loaded = null; // set again only when this load completes: a load cut short compares everything next time
        // nodes first: a change to this node marks the services already known, and the services this load adds or
        // changes are marked as they come (into a new translator, 10,000 of them are not marked twice)
        if (before == null || before.nodes() != state.nodes()) loadNodes(state);
        int services = before == null || before.services() != state.services() ? loadServices(state, before) : 0;
        Map<String, List<java.time.Instant>> triggers = new HashMap<>();
        Set<String> removed = new java.util.HashSet<>();
        int slices = before == null || before.slices() != state.slices() ? loadSlices(state, before, triggers, removed) : 0;
        sourceProblems = state.problems();
        loaded = state;
        return new Changes(services, slices, triggers, removed);
    }

    private int loadServices(ClusterState state, ClusterState before) {
        int changes = 0;
        for (ObjectRef ref : new ArrayList<>(services.keySet())) {
            if (!state.services().containsKey(ref)) {
                dropService(ref);
                changes++;
            }
        }
        for (Map.Entry<ObjectRef, Service> e : state.services().entrySet()) {
            Service s = e.getValue();
            if (before != null && before.services().get(e.getKey()) == s) continue;
            Service old = services.get(e.getKey());
            if (old == null || (old != s && !s.equals(old))) {
                putService(e.getKey(), s);
                changes++;
            }
        }
        return changes;
    }

    private int loadSlices(ClusterState state, ClusterState before, Map<String, List<java.time.Instant>> triggers, Set<String> removed) {
        int changes = 0;
        for (ObjectRef ref : new ArrayList<>(sliceOwner.keySet())) {
            if (!state.slices().containsKey(ref)) {
                ObjectRef owner = sliceOwner.get(ref);
                removed.add(serviceKey(owner.namespace(), owner.name()));
                dropSlice(ref);
                changes++;
            }
        }
        for (Map.Entry<ObjectRef, EndpointSlice> e : state.slices().entrySet()) {
            EndpointSlice s = e.getValue();
            if (before != null && before.slices().get(e.getKey()) == s) continue;
            ObjectRef owner = ObjectRef.service(s.namespace(), s.serviceName());
            EndpointSlice old = sliceNamed(owner, s.name());
            if (old == null || (old != s && !s.equals(old)) || !owner.equals(sliceOwner.get(e.getKey()))) {
                putSlice(e.getKey(), s);
                changes++;
                s.lastChangeTriggerTime().ifPresent(t -> triggers.computeIfAbsent(serviceKey(s.namespace(), s.serviceName()), k -> new ArrayList<>()).add(t));
            }
        }
        return changes;
    }

    private void loadNodes(ClusterState state) {
        for (String name : new ArrayList<>(nodes.keySet())) if (!state.nodes().containsKey(name)) dropNode(name);
        for (Node n : state.nodes().values()) putNode(n);
    }

    /** Retranslates the dirty services; returns what changed since the last sync. */
    public LbDiff sync() {
        Map<Frontend, LbEntry> before = new LinkedHashMap<>();
        Map<Frontend, LbEntry> after = new LinkedHashMap<>();
        retranslate(before, after);
        return LbDiff.between(before, after);
    }

    /** Retranslates the dirty services and returns the whole table, without working out what changed (a full translation). */
    LbTable syncWithoutDiff() {
        sortedCurrent = false;
        retranslate(null, null);
        return table();
    }

    /**
     * Retranslates the dirty services; the entries the sync changed go into {@code before} (as they were before it)
     * and {@code after} (as they are now) when given. A service that takes a frontend from one that sorts after it
     * makes that one translated again, in another pass of the same sync.
     */
    private void retranslate(Map<Frontend, LbEntry> before, Map<Frontend, LbEntry> after) {
        Optional<Node> node = Optional.ofNullable(nodes.get(translator.nodeName()));
        Set<LbEntry> made = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<ObjectRef> next = new HashSet<>(dirty);
        // each pass moves frontends only to services that sort before their holders: it ends
        while (!next.isEmpty()) {
            next = pass(next, node, made, before, after);
            dirty.addAll(next);
        }
        // only now: a pass that throws leaves every service it took up dirty, for the next sync to translate again
        dirty.clear();
    }

    /**
     * Translates {@code start} (which it adds to; all of it dirty) and the services waiting for their frontends (made
     * dirty here), in namespace/name order; returns the services that lost a frontend to one that sorts before them.
     * {@code made} holds the entries this sync made when it works out what changed (one that goes again was never in
     * the table: it is not an entry "before"); a full translation keeps none.
     */
    private Set<ObjectRef> pass(Set<ObjectRef> start, Optional<Node> node, Set<LbEntry> made, Map<Frontend, LbEntry> before,
                                Map<Frontend, LbEntry> after) {
        // a service translated again may let frontends go: the services that wait for them are translated with it
        // (in name order, so the first of them takes it), else a frontend would stay unserved until they change
        Set<ObjectRef> todo = start;
        if (!waiting.isEmpty()) {
            java.util.ArrayDeque<ObjectRef> queue = new java.util.ArrayDeque<>(start);
            while (!queue.isEmpty()) {
                for (LbEntry e : current.getOrDefault(queue.poll(), List.of())) {
                    Set<ObjectRef> w = waiting.remove(e.frontend());
                    if (w != null) for (ObjectRef x : w) if (todo.add(x)) queue.add(x);
                }
            }
            dirty.addAll(todo);
        }
        List<ObjectRef> order = new ArrayList<>(todo);
        order.sort(null);
        // what the services had (nothing in a new translator: a full translation skips this)
        if (!current.isEmpty() || !serviceProblems.isEmpty()) for (ObjectRef ref : order) {
            for (LbEntry e : current.getOrDefault(ref, List.of())) {
                if (made.contains(e)) {
                    if (after != null) after.remove(e.frontend(), e);
                } else if (before != null) {
                    before.putIfAbsent(e.frontend(), e);
                }
                claims.remove(e.frontend(), ref);
                if (sortedCurrent) sorted.remove(e.frontend(), e);
            }
            current.remove(ref);
            serviceProblems.remove(ref);
        }
        Set<ObjectRef> lost = new HashSet<>();
        for (ObjectRef ref : order) {
            Service svc = services.get(ref);
            if (svc == null) continue;
            List<Problem> problems = new ArrayList<>();
            List<EndpointSlice> own = slices.getOrDefault(ref, List.of());
            List<LbEntry> kept = new ArrayList<>();
            for (LbEntry e : translation.apply(svc, own, node, problems)) {
                ObjectRef holder = claims.putIfAbsent(e.frontend(), ref);
                if (holder != null && !holder.equals(ref)) {
                    if (holder.compareTo(ref) < 0) {
                        waiting.computeIfAbsent(e.frontend(), k -> new HashSet<>()).add(ref);
                        problems.add(new Problem(ref.toString(), "", "frontend " + e.frontend() + " is already used by " + holder + ": ignored"));
                        continue;
                    }
                    // this service sorts first: it takes the frontend, as a full translation gives it; the holder is
                    // translated again in the next pass (which records its entry as it was before), and waits
                    claims.put(e.frontend(), ref);
                    lost.add(holder);
                }
                kept.add(e);
                if (after != null) made.add(e);
                if (sortedCurrent) sorted.put(e.frontend(), e);
                if (after != null) after.put(e.frontend(), e);
            }
            if (!kept.isEmpty()) current.put(ref, List.copyOf(kept));
            if (!problems.isEmpty()) serviceProblems.put(ref, List.copyOf(problems));
        }
        return lost;
    }

    /** An immutable snapshot of everything synced so far. */
    public LbTable table() {
        if (!sortedCurrent) {
            sorted.clear();
            for (List<LbEntry> l : current.values()) for (LbEntry e : l) sorted.put(e.frontend(), e);
            sortedCurrent = true;
        }
        List<Problem> problems = new ArrayList<>(sourceProblems);
        serviceProblems.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> problems.addAll(e.getValue()));
        return new LbTable(sorted, problems);
    }
}
