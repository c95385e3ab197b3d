package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapAccess;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Map writes collected in make-before-break phases and flushed phase by phase with the batch syscalls: every
 * write of phase n is in the kernel before any write of phase n+1. Within a phase, writes go in the order they were
 * queued (a key queued twice ends with its last value). A key is never both written and deleted in one flush (that
 * would delete what the sync means to keep): refused at once.
 *
 * <p>Writes are kept as lists, not maps: a full sync of 10,000 Services queues about 250,000 of them, and hashing
 * each one only to detect a delete of the same key costs more than the syscalls. The written keys of a map are
 * indexed when the first delete from that map is queued (a full sync into empty maps deletes nothing).
 */
final class PhasedWrites {
    static final int BACKENDS = 0, REV_NAT = 1, SLOTS = 2, SERVICE_ENTRIES = 3, DELETE_ENTRIES = 4, DELETE_SLOTS = 5, DELETE_REFERENCED = 6;
    private static final int PHASES = 7;

    /** The writes to one map in one phase, in order. */
    private static final class Batch {
        final List<Object> keys = new ArrayList<>();
        final List<Object> values = new ArrayList<>();
    }

    private final List<Map<MapAccess<?, ?>, Batch>> updates = new ArrayList<>();
    private final List<Map<MapAccess<?, ?>, LinkedHashSet<Object>>> deletes = new ArrayList<>();
    /** Every key deleted in this flush, by map, whatever the phase (deletes are few: a write checks them in one look). */
    private final Map<MapAccess<?, ?>, Set<Object>> deleted = new HashMap<>();
    /** Every key written in this flush, by map, for the maps something was deleted from (built at the first delete). */
    private final Map<MapAccess<?, ?>, Set<Object>> written = new HashMap<>();

    PhasedWrites() {
        for (int i = 0; i < PHASES; i++) {
            updates.add(new LinkedHashMap<>());
            deletes.add(new LinkedHashMap<>());
        }
    }

    <K, V> void update(int phase, MapAccess<K, V> map, K key, V value) {
        Set<Object> gone = deleted.get(map);
        if (gone != null && gone.contains(key)) throw new IllegalStateException("sync both deletes and writes " + map.name() + " " + key);
        Batch b = updates.get(phase).computeIfAbsent(map, m -> new Batch());
        b.keys.add(key);
        b.values.add(value);
        Set<Object> index = written.get(map);
        if (index != null) index.add(key);
    }

    <K> void delete(int phase, MapAccess<K, ?> map, K key) {
        // the delete would remove the entry this sync writes (ids and keys are never reused within a sync)
        if (writtenKeys(map).contains(key)) throw new IllegalStateException("sync both writes and deletes " + map.name() + " " + key);
        deleted.computeIfAbsent(map, m -> new HashSet<>()).add(key);
        deletes.get(phase).computeIfAbsent(map, m -> new LinkedHashSet<>()).add(key);
    }

    private Set<Object> writtenKeys(MapAccess<?, ?> map) {
        return written.computeIfAbsent(map, m -> {
            Set<Object> keys = new HashSet<>();
            for (Map<MapAccess<?, ?>, Batch> phase : updates) {
                Batch b = phase.get(m);
                if (b != null) keys.addAll(b.keys);
            }
            return keys;
        });
    }

    /** Writes every phase in order; returns the number of entries written or deleted. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    int flush() {
        int n = 0;
        for (int phase = 0; phase < PHASES; phase++) {
            for (Map.Entry<MapAccess<?, ?>, Batch> e : updates.get(phase).entrySet()) {
                n += ((MapAccess) e.getKey()).updateBatch(e.getValue().keys, e.getValue().values);
            }
            for (Map.Entry<MapAccess<?, ?>, LinkedHashSet<Object>> e : deletes.get(phase).entrySet()) {
                n += ((MapAccess) e.getKey()).deleteBatch(new ArrayList<>(e.getValue()));
            }
            updates.get(phase).clear();
            deletes.get(phase).clear();
        }
        deleted.clear();
        written.clear();
        return n;
    }
}
