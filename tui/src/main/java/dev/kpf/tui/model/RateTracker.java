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

    /** Records {@code value} for {@code key} after {@code seconds}; returns the rate since the last value. */
    public double update(K key, long value, double seconds) {
        Series s = series.get(key);
        if (s == null) {
            series.put(key, new Series(value, length));
            return 0;
        }
        double rate = seconds <= 0 || value < s.last ? 0 : (value - s.last) / seconds;
        s.last = value;
        s.ring[s.next] = (float) rate;
        s.next = (s.next + 1) % length;
        s.filled = Math.min(length, s.filled + 1);
        return rate;
    }

    /** The recorded rates for {@code key}, oldest first (floats: plenty for a sparkline, half the memory). */
    public float[] history(K key) {
        Series s = series.get(key);
        return s == null ? new float[0] : history(s);
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

    /** A key's latest rate and its history, as {@link #record} leaves them. */
    public record Reading(double rate, float[] history) {}

    /** {@link #update}, then {@link #rate} and {@link #history}, with one lookup of the key. */
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

    /** The latest rate for {@code key} (0 before two values). */
    public double rate(K key) {
        Series s = series.get(key);
        return s == null || s.filled == 0 ? 0 : s.ring[Math.floorMod(s.next - 1, length)];
    }

    /**
     * Forgets the keys not in {@code recorded}, every one of which was recorded since the last call: the tracker then
     * holds all of them, and when it holds no more there is nothing to forget (and nothing to look up).
     */
    public void retain(Set<K> recorded) {
        if (series.size() != recorded.size()) series.keySet().retainAll(recorded);
    }

    public int size() {
        return series.size();
    }
}
