package dev.kpf.probes.bpf;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What a map writer needs of a map: its name and capacity, a read of everything, and the batch syscalls. {@link BpfMap}
 * is the kernel's; in-memory maps with the same contract (record, inject faults, check invariants after every write)
 * let a writer be tested without a kernel.
 *
 * <p>The contract of the batch calls is the kernel's: entries are written one after the other and a reader may see
 * any prefix of a batch; a failure leaves the entries before it written and throws a {@link BpfException} naming
 * the errno.
 */
public interface MapAccess<K, V> {
    String name();

    int maxEntries();

    /** Every entry. */
    Map<K, V> entries();

    /** The value at {@code key}, if there is one. */
    default java.util.Optional<V> lookup(K key) {
        return java.util.Optional.ofNullable(entries().get(key));
    }

    /** Writes all entries; returns how many were written. */
    int updateBatch(Map<K, V> entries);

    /**
     * Writes {@code keys.get(i)} = {@code values.get(i)} in list order (a key listed twice ends with its last value);
     * returns how many were written. The same contract as {@link #updateBatch(Map)}, without building a map.
     */
    default int updateBatch(List<K> keys, List<V> values) {
        if (keys.size() != values.size()) throw new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values");
        int written = 0;
        Map<K, V> run = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            if (run.containsKey(keys.get(i))) { // keep the order of a key's writes: what came before goes first
                written += updateBatch(run);
                run = new java.util.LinkedHashMap<>();
            }
            run.put(keys.get(i), values.get(i));
        }
        return written + (run.isEmpty() ? 0 : updateBatch(run));
    }

    /** Deletes the keys (absent keys are skipped); returns how many were deleted. */
    int deleteBatch(Collection<K> keys);
}
