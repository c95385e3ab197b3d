package dev.kpf.dataplane.agent;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns kernel counters of members (frontends, backends) that come and go into Prometheus series that never go down:
 * a series is the sum of its members plus what members that left it (or were reset: a freed id starts from zero)
 * had counted. Labels are bounded: the first {@code max} series names keep their own label for as long as they
 * have members; later ones are summed into {@code OTHER} plus the key's suffix (after the tab), which stays once it
 * exists. Any other series without members is dropped (Prometheus sees it go stale, not reset).
 */
final class MonotonicSeries {
    static final String OTHER = "(other)";

    /** A member's last reading: the series it was summed into and its values. */
    private record Last(String series, long[] values) {}

    private final int max;
    private final int width;
    private final Set<String> own = new LinkedHashSet<>();
    private final Map<String, long[]> base = new HashMap<>();
    private Map<String, Last> last = new HashMap<>();

    MonotonicSeries(int max, int width) {
        this.max = max;
        this.width = width;
    }

    /**
     * @param members member id -> (series key "NAME\tSUFFIX", values); values must have {@code width} entries
     * @return series key -> values, never lower than the previous call's for the same key
     */
    Map<String, long[]> update(Map<String, Map.Entry<String, long[]>> members) {
        Set<String> present = new LinkedHashSet<>();
        for (Map.Entry<String, long[]> m : members.values()) present.add(m.getKey());
        own.retainAll(present);
        for (String key : new java.util.TreeSet<>(present)) if (!own.contains(key) && own.size() < max) own.add(key);
        Map<String, Last> now = new HashMap<>();
        Map<String, long[]> out = new TreeMap<>();
        for (Map.Entry<String, Map.Entry<String, long[]>> m : members.entrySet()) {
            String key = m.getValue().getKey();
            String series = own.contains(key) ? key : OTHER + key.substring(key.indexOf('\t'));
            long[] values = m.getValue().getValue();
            Last before = last.get(m.getKey());
            if (before != null && (!before.series().equals(series) || decreased(before.values(), values))) absorb(before);
            now.put(m.getKey(), new Last(series, values));
            add(out.computeIfAbsent(series, s -> new long[width]), values);
        }
        for (Map.Entry<String, Last> gone : last.entrySet()) if (!now.containsKey(gone.getKey())) absorb(gone.getValue());
        // "(other)" is shared: it stays, so that a later member does not look like a reset of it
        for (String series : base.keySet()) if (series.startsWith(OTHER + "\t")) out.computeIfAbsent(series, k -> new long[width]);
        base.keySet().retainAll(out.keySet());
        base.forEach((series, b) -> add(out.get(series), b));
        last = now;
        return out;
    }

    private void absorb(Last member) {
        add(base.computeIfAbsent(member.series(), s -> new long[width]), member.values());
    }

    private static boolean decreased(long[] before, long[] now) {
        for (int i = 0; i < before.length; i++) if (now[i] < before[i]) return true;
        return false;
    }

    private static void add(long[] into, long[] values) {
        for (int i = 0; i < into.length; i++) into[i] += values[i];
    }
}
