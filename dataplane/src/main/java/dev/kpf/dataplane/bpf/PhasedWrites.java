package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Map writes collected in make-before-break phases and flushed phase by phase with the batch syscalls: every
 * write of phase n is in the kernel before any write of phase n+1. Within a phase, order does not matter. A key is
 * never both written and deleted in one flush (that would delete what the sync means to keep): refused at once.
 */
final class PhasedWrites {
    static final int BACKENDS = 0, REV_NAT = 1, SLOTS = 2, SERVICE_ENTRIES = 3, DELETE_ENTRIES = 4, DELETE_SLOTS = 5, DELETE_REFERENCED = 6;
    private static final int PHASES = 7;

    private final List<Map<MapAccess<?, ?>, LinkedHashMap<Object, Object>>> updates = new ArrayList<>();
    private final List<Map<MapAccess<?, ?>, java.util.LinkedHashSet<Object>>> deletes = new ArrayList<>();
    /** Every key deleted in this flush, by map, whatever the phase (deletes are few: a write checks them in one look). */
    private final Map<MapAccess<?, ?>, java.util.Set<Object>> deleted = new java.util.HashMap<>();

    PhasedWrites() {
        for (int i = 0; i < PHASES; i++) {
            updates.add(new LinkedHashMap<>());
            deletes.add(new LinkedHashMap<>());
        }
    }

    <K, V> void update(int phase, MapAccess<K, V> map, K key, V value) {
        java.util.Set<Object> gone = deleted.get(map);
        if (gone != null && gone.contains(key)) throw new IllegalStateException("sync both deletes and writes " + map.name() + " " + key);
        updates.get(phase).computeIfAbsent(map, m -> new LinkedHashMap<>()).put(key, value);
    }

    <K> void delete(int phase, MapAccess<K, ?> map, K key) {
        for (Map<MapAccess<?, ?>, LinkedHashMap<Object, Object>> written : updates) {
            LinkedHashMap<Object, Object> m = written.get(map);
            if (m != null && m.containsKey(key)) {
                // the delete would remove the entry this sync writes (ids and keys are never reused within a sync)
                throw new IllegalStateException("sync both writes and deletes " + map.name() + " " + key);
            }
        }
        deleted.computeIfAbsent(map, m -> new java.util.HashSet<>()).add(key);
        deletes.get(phase).computeIfAbsent(map, m -> new java.util.LinkedHashSet<>()).add(key);
    }

    /** Writes every phase in order; returns the number of entries written or deleted. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    int flush() {
        int n = 0;
        for (int phase = 0; phase < PHASES; phase++) {
            for (Map.Entry<MapAccess<?, ?>, LinkedHashMap<Object, Object>> e : updates.get(phase).entrySet()) {
                n += ((MapAccess) e.getKey()).updateBatch(e.getValue());
            }
            for (Map.Entry<MapAccess<?, ?>, java.util.LinkedHashSet<Object>> e : deletes.get(phase).entrySet()) {
                n += ((MapAccess) e.getKey()).deleteBatch(new ArrayList<>(e.getValue()));
            }
            updates.get(phase).clear();
            deletes.get(phase).clear();
        }
        deleted.clear();
        return n;
    }
}
