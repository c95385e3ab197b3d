package dev.kpf.probes.bpf;

import java.util.Collection;
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

    /** Deletes the keys (absent keys are skipped); returns how many were deleted. */
    int deleteBatch(Collection<K> keys);
}
