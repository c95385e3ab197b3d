package dev.kpf.dataplane.bpf;

/**
 * Open addressing with linear probing over flat arrays, for the writer's mirror: at 100,000 backends a
 * {@code HashMap} pays a node and boxed keys per entry, about three times what the arrays hold. Subclasses own the
 * arrays (always one empty slot); this class owns where a key's run starts, how far a table grows and the deletion
 * that keeps every run of entries unbroken. Not thread-safe (the writer's lock guards it).
 * <p>The capacity is any size, not a power of two: a table fills to three quarters and then grows by half, so it is
 * between half and three quarters full. Doubling a power of two left the writer's three tables at 10,000 Services x
 * 10 endpoints (about 120,000 backends each) at 262,144 slots, under half full.
 */
abstract class FlatTable {
    protected int size;

    /** The number of slots (at least 2). */
    protected abstract int capacity();

    protected abstract boolean occupied(int slot);

    /** The slot where the key in {@code slot} is looked for first ({@link #home} of its hash). */
    protected abstract int homeAt(int slot);

    /** Moves the entry in {@code from} to the empty slot {@code to}, leaving {@code from} empty. */
    protected abstract void move(int from, int to);

    protected abstract void empty(int slot);

    final int size() {
        return size;
    }

    /** Spreads a key over a hash's 32 bits (Fibonacci hashing). */
    static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The slot a key with this hash is looked for first: the hash's 32 bits scaled to the capacity (multiply-shift). */
    protected final int home(int hash) {
        return (int) (((hash & 0xffffffffL) * capacity()) >>> 32);
    }

    /**
     * The slot an id (a number handed out in rising order) is looked for first: ids in blocks of 8, each block at a
     * spread position ({@link #mix} of the block), the ids of a block in consecutive slots from there. A sync that
     * writes new backends touches a table a block at a time instead of a cache line per id (by hand, its cold first
     * sync's writes 0.32-0.41 -> 0.27-0.35 s), and no pattern of ids (both families counting up, every other id)
     * gathers more than a block's worth in one place. Placing ids by their value put both families' ids of a
     * dual-stack cluster in one run of slots (an id 50,000 slots past its home in {@code RefCountsTest}'s pattern; an
     * agent's first sync spent most of its time probing). The cost: by hand, over that test's patterns, the longest
     * run from a home slot is about 800 slots at three quarters full, where spreading each id alone left 150.
     */
    protected final int idHome(long id) {
        int slot = home(mix(id >>> 3)) + (int) (id & 7);
        return slot < capacity() ? slot : slot % capacity();
    }

    /** The slot after {@code slot}, wrapping around at the end. */
    protected final int next(int slot) {
        return slot + 1 == capacity() ? 0 : slot + 1;
    }

    /** The capacity a full table of {@code capacity} slots grows to: half again as many. */
    static int grown(int capacity) {
        return capacity + (capacity >> 1);
    }

    /** Linear probing's deletion: later entries of the same run move up, so no lookup stops at the hole. */
    protected final void removeAt(int hole) {
        empty(hole);
        size--;
        for (int i = next(hole); occupied(i); i = next(i)) {
            int home = homeAt(i);
            // move entry i into the hole when its home is not between the hole and i (cyclically)
            boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (stays) continue;
            move(i, hole);
            hole = i;
        }
    }

    /** Rehashes every entry into new arrays of {@code capacity} slots (more than the entries). */
    protected abstract void resize(int capacity);

    /** Grows by half: before adding to a full table. */
    protected final void grow() {
        resize(grown(capacity()));
    }

    /**
     * Makes room for {@code total} entries in all at once, so that adding up to them rehashes nothing (growing step
     * by step to 100,000 entries moves each one about twice more).
     */
    final void reserve(int total) {
        long wanted = (long) Math.max(size, total) + 1;
        if (wanted * 4 > (long) capacity() * 3) resize((int) Math.min(Integer.MAX_VALUE - 8, wanted * 4 / 3 + 1));
    }

    /** The farthest any entry sits from its home slot (tests: a table that clusters its keys probes long runs). */
    final int longestDisplacement() {
        int longest = 0;
        for (int i = 0; i < capacity(); i++) {
            if (occupied(i)) longest = Math.max(longest, Math.floorMod(i - homeAt(i), capacity()));
        }
        return longest;
    }

    /** Whether one more entry would fill the table past three quarters (then it grows before adding). */
    protected final boolean full() {
        return (size + 1) * 4 > capacity() * 3;
    }
}
