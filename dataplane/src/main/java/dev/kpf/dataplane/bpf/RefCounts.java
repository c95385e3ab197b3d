package dev.kpf.dataplane.bpf;

/**
 * Reference counts by a {@code long} key (a backend id with its family, {@link ProgrammedState#ref}), held in two
 * flat arrays with open addressing: a full sync of 100,000 backends counts a million references, which a
 * {@code Map<Long, Integer>} pays for with a boxed key, a boxed count and a node each. A key at zero is gone.
 * Not thread-safe (the writer's lock guards it).
 */
final class RefCounts {
    private static final long EMPTY = Long.MIN_VALUE; // never a key: ref() sets at most bit 32
    private long[] keys;
    private int[] counts;
    private int size;

    RefCounts() {
        clear();
    }

    /** Adds {@code delta} to the key's count and returns the new count; a count that reaches zero or less removes the key. */
    int add(long key, int delta) {
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            if (delta <= 0) return 0;
            keys[slot] = key;
            counts[slot] = delta;
            if (++size * 4 > keys.length * 3) grow();
            return delta;
        }
        int now = counts[slot] + delta;
        if (now > 0) {
            counts[slot] = now;
            return now;
        }
        removeAt(slot);
        return now;
    }

    /** Sets the key's count (zero or less removes it). */
    void set(long key, int count) {
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            add(key, count);
        } else if (count > 0) {
            counts[slot] = count;
        } else {
            removeAt(slot);
        }
    }

    int get(long key) {
        int slot = slot(key);
        return keys[slot] == EMPTY ? 0 : counts[slot];
    }

    boolean contains(long key) {
        return keys[slot(key)] != EMPTY;
    }

    void remove(long key) {
        int slot = slot(key);
        if (keys[slot] != EMPTY) removeAt(slot);
    }

    int size() {
        return size;
    }

    void clear() {
        keys = new long[16];
        java.util.Arrays.fill(keys, EMPTY);
        counts = new int[16];
        size = 0;
    }

    /** Where the key is, or the empty slot where it would go (the table always has an empty slot). */
    private int slot(long key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Linear probing's deletion: later entries of the same run move up, so no lookup stops at the hole. */
    private void removeAt(int hole) {
        int mask = keys.length - 1;
        keys[hole] = EMPTY;
        size--;
        for (int i = (hole + 1) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
            int home = mix(keys[i]) & mask;
            // move entry i into the hole when its home is not between the hole and i (cyclically)
            boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (stays) continue;
            keys[hole] = keys[i];
            counts[hole] = counts[i];
            keys[i] = EMPTY;
            hole = i;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        java.util.Arrays.fill(keys, EMPTY);
        counts = new int[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] == EMPTY) continue;
            int slot = slot(oldKeys[i]);
            keys[slot] = oldKeys[i];
            counts[slot] = oldCounts[i];
        }
    }
}
