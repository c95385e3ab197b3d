package dev.kpf.dataplane.load;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Strings that repeat across objects (port names: "http" in most of a cluster's Services and in each of their
 * EndpointSlices), handed out as the first instance seen of each, so the model keeps one copy of each text instead of
 * one per object (about 1 MB at 10,000 Services x 10 endpoints, whose 22,000 port names are all "http"). Bounded: once
 * {@link #capacity} texts are held, further new ones are returned as they are, so a cluster with ever new port names
 * pins at most that many. A map, not {@link String#intern()}, which made a one-endpoint change's p99 slower (see
 * {@link ObjectDecoder}). Not thread-safe: one decoding thread at a time.
 */
public final class SharedStrings implements UnaryOperator<String> {
    private final int capacity;
    private final Map<String, String> held = new HashMap<>();

    public SharedStrings(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity " + capacity);
        this.capacity = capacity;
    }

    /** The instance held for {@code s}'s text, or {@code s} itself (then held, while there is room). */
    @Override
    public String apply(String s) {
        if (s == null) return null;
        String known = held.get(s);
        if (known != null) return known;
        if (held.size() < capacity) held.put(s, s);
        return s;
    }

    /** How many texts are held. */
    public int size() {
        return held.size();
    }
}
