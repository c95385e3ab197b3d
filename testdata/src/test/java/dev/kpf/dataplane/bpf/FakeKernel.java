package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.Errno;
import dev.kpf.probes.bpf.MapAccess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * In-memory maps with the kernel's batch contract (the shape of Cilium's fake maps): entries are written one after
 * the other, a full hash map refuses a new key with E2BIG, and a failure leaves the entries before it written. Every
 * single entry written or deleted is shown to the observer (the readers' invariant), so a check sees every state a
 * BPF program could have seen between two syscalls and inside a batch. Faults are injected at chosen or random
 * write syscalls with the errnos the kernel returns (ENOSPC, EINTR, E2BIG, EBUSY).
 */
final class FakeKernel {
    static final int[] FAULTS = {Errno.ENOSPC, Errno.EINTR, Errno.E2BIG, Errno.EBUSY};

    private final Random random;
    /** Sees every entry written (value) or deleted (value null), right after it happened. */
    interface Observer {
        void written(FakeMap<?, ?> map, Object key, Object value);
    }

    private Observer observer = (m, k, v) -> {};
    private double faultRate;
    private long syscalls;
    private long faultAt = -1;
    private int faultsInjected;

    FakeKernel(long seed) {
        random = new Random(seed);
    }

    /** Called after every entry written or deleted. */
    void observe(Observer check) {
        observer = check;
    }

    /** Each write syscall fails with this probability (after a random prefix of its entries). */
    void faultRate(double rate) {
        faultRate = rate;
    }

    /** The write syscall with this index (counted from 0 over the kernel's life) fails. */
    void faultAt(long syscall) {
        faultAt = syscall;
    }

    long syscalls() {
        return syscalls;
    }

    int faultsInjected() {
        return faultsInjected;
    }

    <K, V> FakeMap<K, V> map(String name, int maxEntries) {
        return new FakeMap<>(name, maxEntries);
    }

    /** The errno this syscall fails with, or 0. */
    private int fault() {
        long n = syscalls++;
        if (n == faultAt || (faultRate > 0 && random.nextDouble() < faultRate)) {
            faultsInjected++;
            return FAULTS[random.nextInt(FAULTS.length)];
        }
        return 0;
    }

    /** Array keys (the stats map's long[]) compare by content. */
    private static Object normalise(Object key) {
        return key instanceof long[] a ? Arrays.stream(a).boxed().toList() : key;
    }

    final class FakeMap<K, V> implements MapAccess<K, V> {
        private final String name;
        private final int maxEntries;
        private final Map<Object, Map.Entry<K, V>> entries = new LinkedHashMap<>();

        private FakeMap(String name, int maxEntries) {
            this.name = name;
            this.maxEntries = maxEntries;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int maxEntries() {
            return maxEntries;
        }

        @Override
        public Map<K, V> entries() {
            Map<K, V> out = new LinkedHashMap<>();
            for (Map.Entry<K, V> e : entries.values()) out.put(e.getKey(), e.getValue());
            return out;
        }

        /** One entry, as a program's lookup sees it; null when absent. */
        V get(K key) {
            Map.Entry<K, V> e = entries.get(normalise(key));
            return e == null ? null : e.getValue();
        }

        /** Writes one entry as a program would (no fault, no observer): e.g. the affinity entry of a connect. */
        void put(K key, V value) {
            entries.put(normalise(key), Map.entry(key, value));
        }

        @Override
        public int updateBatch(Map<K, V> batch) {
            int errno = fault();
            List<Map.Entry<K, V>> list = new ArrayList<>(batch.entrySet());
            int stopAt = errno == 0 ? list.size() : random.nextInt(list.size() + 1);
            for (int i = 0; i < list.size(); i++) {
                Map.Entry<K, V> e = list.get(i);
                Object k = normalise(e.getKey());
                if (i == stopAt) throw BpfException.of("batch update map", name, errno);
                if (!entries.containsKey(k) && entries.size() >= maxEntries) throw BpfException.of("batch update map", name, Errno.E2BIG);
                entries.put(k, Map.entry(e.getKey(), e.getValue()));
                observer.written(this, e.getKey(), e.getValue());
            }
            if (errno != 0) throw BpfException.of("batch update map", name, errno);
            return list.size();
        }

        @Override
        public int deleteBatch(Collection<K> keys) {
            int errno = fault();
            List<K> list = new ArrayList<>(keys);
            int stopAt = errno == 0 ? list.size() : random.nextInt(list.size() + 1);
            int deleted = 0;
            for (int i = 0; i < list.size(); i++) {
                if (i == stopAt) throw BpfException.of("batch delete from map", name, errno);
                if (entries.remove(normalise(list.get(i))) != null) {
                    deleted++;
                    observer.written(this, list.get(i), null);
                }
            }
            if (errno != 0) throw BpfException.of("batch delete from map", name, errno);
            return deleted;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static String show(Object o) {
        if (o instanceof int[] a) return a.length > 8 ? "table[" + a.length + "]" : Arrays.toString(a);
        if (o instanceof long[] a) return Arrays.toString(a);
        return String.valueOf(o);
    }
}
