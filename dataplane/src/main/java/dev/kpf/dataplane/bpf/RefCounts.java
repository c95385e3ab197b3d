package dev.kpf.dataplane.bpf;

/**
 * Reference counts by a {@code long} key (a backend id with its family, {@link ProgrammedState#ref}), held in two
 * flat arrays with open addressing: a full sync of 100,000 backends counts a million references, which a
 * {@code Map<Long, Integer>} pays for with a boxed key, a boxed count and a node each. A key at zero is gone.
 * Not thread-safe (the writer's lock guards it).
 */
final class RefCounts extends FlatTable {
    private static final long EMPTY = Long.MIN_VALUE; // never a key: ref() sets at most bit 32
    private long[] keys;
    private int[] counts;

    RefCounts() {
        clear();
    }

    /** Adds {@code delta} to the key's count and returns the new count; a count that reaches zero or less removes the key. */
    int add(long key, int delta) {
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            if (delta <= 0) return 0;
            if (full()) {
                grow();
                slot = slot(key);
            }
            keys[slot] = key;
            counts[slot] = delta;
            size++;
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

    void clear() {
        keys = new long[16];
        java.util.Arrays.fill(keys, EMPTY);
        counts = new int[16];
        size = 0;
    }

    /** Where the key is, or the empty slot where it would go (the table always has an empty slot). */
    private int slot(long key) {
        int i = idHome(key);
        while (keys[i] != EMPTY && keys[i] != key) i = next(i);
        return i;
    }

    @Override
    protected int capacity() {
        return keys.length;
    }

    @Override
    protected boolean occupied(int slot) {
        return keys[slot] != EMPTY;
    }

    @Override
    protected int homeAt(int slot) {
        return idHome(keys[slot]);
    }

    @Override
    protected void move(int from, int to) {
        keys[to] = keys[from];
        counts[to] = counts[from];
        keys[from] = EMPTY;
    }

    @Override
    protected void empty(int slot) {
        keys[slot] = EMPTY;
    }

    @Override
    protected void resize(int capacity) {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[capacity];
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
