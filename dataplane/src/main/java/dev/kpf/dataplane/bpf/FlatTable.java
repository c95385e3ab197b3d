package dev.kpf.dataplane.bpf;

/**
 * Open addressing with linear probing over flat arrays, for the writer's mirror: at 100,000 backends a
 * {@code HashMap} pays a node and boxed keys per entry, about three times what the arrays hold. Subclasses own the
 * arrays (a power-of-two capacity, always one empty slot); this class owns the deletion that keeps every run of
 * entries unbroken. Not thread-safe (the writer's lock guards it).
 */
abstract class FlatTable {
    protected int size;

    /** The number of slots, a power of two. */
    protected abstract int capacity();

    protected abstract boolean occupied(int slot);

    /** The full (unmasked) hash of the key in {@code slot}. */
    protected abstract int hashAt(int slot);

    /** Moves the entry in {@code from} to the empty slot {@code to}, leaving {@code from} empty. */
    protected abstract void move(int from, int to);

    protected abstract void empty(int slot);

    final int size() {
        return size;
    }

    /** Spreads a hash over the table's low bits (Fibonacci hashing). */
    static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Linear probing's deletion: later entries of the same run move up, so no lookup stops at the hole. */
    protected final void removeAt(int hole) {
        int mask = capacity() - 1;
        empty(hole);
        size--;
        for (int i = (hole + 1) & mask; occupied(i); i = (i + 1) & mask) {
            int home = hashAt(i) & mask;
            // move entry i into the hole when its home is not between the hole and i (cyclically)
            boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (stays) continue;
            move(i, hole);
            hole = i;
        }
    }

    /** Whether one more entry would fill the table past three quarters (then it grows before adding). */
    protected final boolean full() {
        return (size + 1) * 4 > capacity() * 3;
    }
}
