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
import java.util.TreeMap;

/**
 * Builds the Services rows from what the maps hold, what the programs counted and (when known) what the API asks
 * for: frontends the maps lack are shown from the API's intent and marked, frontends only the maps hold are marked,
 * and frontends whose backends differ are marked stale.
 */
public final class ServiceRows {
    private final RateTracker<String> frontendRates;
    private final RateTracker<String> backendRates;
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
        Map<Frontend, LbEntry> all = new TreeMap<>(programmed.entries());
        if (intent != null) intent.entries().forEach(all::putIfAbsent);
        List<ServiceRow> rows = new ArrayList<>(all.size());
        Set<String> frontendKeys = new HashSet<>(), backendKeys = new HashSet<>();
        for (Map.Entry<Frontend, LbEntry> e : all.entrySet()) {
            Frontend f = e.getKey();
            LbEntry programmedEntry = programmed.entries().get(f);
            LbEntry wanted = intent == null ? null : intent.entries().get(f);
            ServiceRow.Drift drift = ServiceRow.Drift.NONE;
            if (programmedEntry == null) drift = ServiceRow.Drift.MISSING;
            else if (intent != null && wanted == null) drift = ServiceRow.Drift.EXTRA;
            else if (wanted != null && !addresses(wanted).equals(addresses(programmedEntry))) drift = ServiceRow.Drift.STALE;
            LbEntry shown = programmedEntry != null ? programmedEntry : wanted;
            String key = f.toString();
            frontendKeys.add(key);
            if (freshIntent) {
                if (drift == ServiceRow.Drift.NONE) driftSeen.remove(key);
                else driftSeen.merge(key, 1, Integer::sum);
            }
            if (driftSeen.getOrDefault(key, 0) < 2) drift = ServiceRow.Drift.NONE;
            Counters.Count count = counters.frontend(f);
            frontendRates.update(key, count.connects(), seconds);
            List<BackendRow> backends = new ArrayList<>();
            for (Backend b : shown.backends()) {
                String bk = Counters.backendKey(b.address(), b.port(), b.protocol());
                backendKeys.add(bk);
                Counters.Count bc = counters.backend(bk);
                backendRates.update(bk, bc.connects(), seconds);
                backends.add(new BackendRow(IpAddresses.withPort(b.address(), b.port()), b.state().name().toLowerCase(java.util.Locale.ROOT),
                        b.local(), bc.connects(), backendRates.rate(bk), backendRates.history(bk)));
            }
            rows.add(new ServiceRow(key, shown.service().namespace(), shown.service().name(), shown.portName(), shown.type().label, frontend(f),
                    backends, count.connects(), count.refused(), frontendRates.rate(key), frontendRates.history(key), drift));
        }
        frontendRates.retain(frontendKeys);
        driftSeen.keySet().retainAll(frontendKeys);
        backendRates.retain(backendKeys);
        return rows;
    }

    /** addr:port/PROTO, with "int" for the cluster-internal view of a frontend that has two (traffic policy Local). */
    static String frontend(Frontend f) {
        return IpAddresses.withPort(f.address(), f.port()) + "/" + f.protocol() + (f.scope() == dev.kpf.dataplane.lb.Scope.INTERNAL ? " int" : "");
    }

    private static List<String> addresses(LbEntry e) {
        return e.backends().stream().map(b -> IpAddresses.withPort(b.address(), b.port())).sorted().toList();
    }
}
