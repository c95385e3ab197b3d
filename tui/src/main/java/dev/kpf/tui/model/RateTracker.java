package dev.kpf.tui.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns growing counters into rates per second with a short history (for sparklines), per key. Keys not seen in a
 * round are forgotten, so the memory follows the table.
 */
public final class RateTracker<K> {
    private final int length;
    private final Map<K, Series> series = new HashMap<>();

    private static final class Series {
        long last;
        final float[] ring;
        int next, filled;

        Series(long last, int length) {
            this.last = last;
            this.ring = new float[length];
        }
    }

    public RateTracker(int length) {
        this.length = length;
    }

    /** A key's latest rate (0 before two values) and its recorded rates, oldest first (floats: plenty for a sparkline). */
    public record Reading(double rate, float[] history) {}

    /** Records {@code value} for {@code key} after {@code seconds} and returns the key's reading, with one lookup. */
    public Reading record(K key, long value, double seconds) {
        Series s = series.get(key);
        if (s == null) {
            series.put(key, new Series(value, length));
            return new Reading(0, new float[0]);
        }
        double rate = seconds <= 0 || value < s.last ? 0 : (value - s.last) / seconds;
        s.last = value;
        s.ring[s.next] = (float) rate;
        s.next = (s.next + 1) % length;
        s.filled = Math.min(length, s.filled + 1);
        return new Reading(s.ring[Math.floorMod(s.next - 1, length)], history(s));
    }

    /** A copy of the ring, oldest first: at most two array copies (the ring's tail, then its head). */
    private float[] history(Series s) {
        float[] out = new float[s.filled];
        int start = Math.floorMod(s.next - s.filled, length);
        int first = Math.min(s.filled, length - start);
        System.arraycopy(s.ring, start, out, 0, first);
        System.arraycopy(s.ring, 0, out, first, s.filled - first);
        return out;
    }

    /**
     * Forgets the keys not in {@code recorded}, every one of which was recorded since the last call: the tracker then
     * holds all of them, and when it holds no more there is nothing to forget (and nothing to look up).
     */
    public void retain(Set<K> recorded) {
        if (series.size() != recorded.size()) series.keySet().retainAll(recorded);
    }
}
