package dev.kpf.tui.model;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.IpAddresses;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the Services rows from what the maps hold, what the programs counted and (when known) what the API asks
 * for: frontends the maps lack are shown from the API's intent and marked, frontends only the maps hold are marked,
 * and frontends whose backends differ are marked stale.
 */
public final class ServiceRows {
    private final RateTracker<Frontend> frontendRates;
    private final RateTracker<BackendRef> backendRates;
    /** Labels are formatted once per frontend and backend, not once per refresh (and their hashes stay cached). */
    private final Map<Frontend, String[]> frontendLabels = new java.util.HashMap<>();
    private final Map<BackendRef, String[]> backendLabels = new java.util.HashMap<>();

    private record BackendRef(dev.kpf.dataplane.model.IpAddress address, int port, dev.kpf.dataplane.model.Protocol protocol) {}
    /** How many fresh readings of the API's intent in a row found each frontend different; shown from the second on. */
    private final Map<String, Integer> driftSeen = new java.util.HashMap<>();

    public ServiceRows(int history) {
        this.frontendRates = new RateTracker<>(history);
        this.backendRates = new RateTracker<>(history);
    }

    /**
     * @param freshIntent whether {@code intent} was read for this round; a difference is shown only once two fresh
     *                    readings in a row saw it, so the moments between an API change and its sync do not flash
     */
    public List<ServiceRow> build(LbTable programmed, Counters counters, LbTable intent, boolean freshIntent, double seconds) {
        // both tables are sorted by frontend: one walk over the two gives every frontend in order with its two entries
        java.util.Iterator<LbEntry> maps = programmed.entries().values().iterator();
        java.util.Iterator<LbEntry> api = intent == null ? java.util.Collections.emptyIterator() : intent.entries().values().iterator();
        LbEntry nextMaps = next(maps), nextApi = next(api);
        List<ServiceRow> rows = new ArrayList<>(programmed.size());
        Set<String> frontendKeys = new HashSet<>();
        Set<Frontend> frontends = new HashSet<>();
        Set<BackendRef> backendRefs = new HashSet<>();
        while (nextMaps != null || nextApi != null) {
            int order = nextMaps == null ? 1 : nextApi == null ? -1 : nextMaps.frontend().compareTo(nextApi.frontend());
            LbEntry programmedEntry = order <= 0 ? nextMaps : null;
            LbEntry wanted = order >= 0 ? nextApi : null;
            if (order <= 0) nextMaps = next(maps);
            if (order >= 0) nextApi = next(api);
            Frontend f = (programmedEntry != null ? programmedEntry : wanted).frontend();
            ServiceRow.Drift drift = ServiceRow.Drift.NONE;
            if (programmedEntry == null) drift = ServiceRow.Drift.MISSING;
            else if (intent != null && wanted == null) drift = ServiceRow.Drift.EXTRA;
            else if (wanted != null && !sameAddresses(wanted, programmedEntry)) drift = ServiceRow.Drift.STALE;
            LbEntry shown = programmedEntry != null ? programmedEntry : wanted;
            String[] label = frontendLabels.computeIfAbsent(f, x -> new String[] {x.toString(), frontend(x)});
            String key = label[0];
            frontendKeys.add(key);
            frontends.add(f);
            if (freshIntent) {
                if (drift == ServiceRow.Drift.NONE) driftSeen.remove(key);
                else driftSeen.merge(key, 1, Integer::sum);
            }
            if (driftSeen.getOrDefault(key, 0) < 2) drift = ServiceRow.Drift.NONE;
            Counters.Count count = counters.frontend(f);
            RateTracker.Reading rate = frontendRates.record(f, count.connects(), seconds);
            List<BackendRow> backends = new ArrayList<>();
            for (Backend b : shown.backends()) {
                BackendRef ref = new BackendRef(b.ip(), b.port(), b.protocol());
                String[] bl = backendLabels.computeIfAbsent(ref, r -> new String[] {Counters.backendKey(r.address(), r.port(), r.protocol()),
                        IpAddresses.withPort(r.address(), r.port())});
                backendRefs.add(ref);
                Counters.Count bc = counters.backend(bl[0]);
                RateTracker.Reading backendRate = backendRates.record(ref, bc.connects(), seconds);
                backends.add(new BackendRow(bl[1], b.state() == Backend.State.READY ? "ready" : "terminating",
                        b.local(), bc.connects(), backendRate.rate(), backendRate.history()));
            }
            rows.add(new ServiceRow(key, shown.service().namespace(), shown.service().name(), shown.portName(), shown.type().label, label[1],
                    backends, count.connects(), count.refused(), rate.rate(), rate.history(), drift));
        }
        frontendRates.retain(frontends);
        // every frontend and backend shown has its label: as many labels as shown means none to forget
        if (frontendLabels.size() != frontends.size()) frontendLabels.keySet().retainAll(frontends);
        driftSeen.keySet().retainAll(frontendKeys);
        backendRates.retain(backendRefs);
        if (backendLabels.size() != backendRefs.size()) backendLabels.keySet().retainAll(backendRefs);
        return rows;
    }

    /** addr:port/PROTO, with "int" for the cluster-internal view of a frontend that has two (traffic policy Local). */
    static String frontend(Frontend f) {
        return IpAddresses.withPort(f.address(), f.port()) + "/" + f.protocol() + (f.scope() == dev.kpf.dataplane.lb.Scope.INTERNAL ? " int" : "");
    }

    private static LbEntry next(java.util.Iterator<LbEntry> entries) {
        return entries.hasNext() ? entries.next() : null;
    }

    /** Whether two entries send to the same backend addresses and ports, whatever their order and states. */
    static boolean sameAddresses(LbEntry a, LbEntry b) {
        List<Backend> x = a.backends(), y = b.backends();
        if (x.size() != y.size()) return false;
        // backends compare by address and port; tables list them in that order, so sorting is rarely needed
        if (!sameInOrder(x, y)) return sameInOrder(x.stream().sorted().toList(), y.stream().sorted().toList());
        return true;
    }

    private static boolean sameInOrder(List<Backend> x, List<Backend> y) {
        for (int i = 0; i < x.size(); i++) if (x.get(i).compareTo(y.get(i)) != 0) return false;
        return true;
    }
}
