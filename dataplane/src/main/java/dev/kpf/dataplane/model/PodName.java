package dev.kpf.dataplane.model;

import java.util.Map;

/**
 * The name of the Pod an endpoint targets, as the agent keeps one for every endpoint (shown with backends and in
 * traces, never programmed): a prefix shared by the pods of one slice, and the last dash-separated part packed
 * into a {@code long}.
 * <p>Pods behind a Service are named by their controller: {@code web-5d8b9c7f4b-x2k4p} (a Deployment's ReplicaSet),
 * {@code db-0} (a StatefulSet), {@code agent-7xq2m} (a DaemonSet). Everything before the last dash repeats across a
 * slice's endpoints; the rest is at most 8 characters. Kept as a string, each name cost 72 bytes at about 26
 * characters (a {@code String} and its bytes); kept this way 24 bytes plus its share of the prefix (at 10,000
 * Services x 10 endpoints the live heap went from 80.7 to 75.9 MB, by hand with {@code jcmd PID GC.class_histogram}).
 * An {@code EndpointSlice.Endpoint} holds the two parts itself, not a PodName (its conditions share the packed
 * part's {@code long}: 7 bits per character leave the top 8 bits free), and makes one only when asked. A name
 * without such a last part (no dash, a dash only first or last, more than 8 characters after the last one, or a NUL
 * or a character outside ASCII there) is kept whole as the prefix.
 * A slice decoded again keeps the previous version's prefix instances for its new pods ({@link #withPrefixFrom}), so
 * pods replaced one by one do not wear the sharing away.
 * <p>Two names are equal exactly when their text is: every instance comes from {@link #of}, which always splits a
 * given text the same way. {@link #toString()} builds the text again on each call (status and trace output only).
 */
public final class PodName {
    /** No pod: the endpoint has no targetRef, or one of another kind. */
    public static final PodName NONE = new PodName("", 0);

    private static final int MAX_PACKED = Long.BYTES;
    /** Bits per packed character: 7-bit ASCII only, so 8 characters take the low 56 bits of a {@code long}. */
    private static final int CHAR_BITS = 7;
    /** The bits a packed last part can use; an {@code Endpoint} keeps its conditions in the bits above. */
    static final long PACKED_BITS = (1L << MAX_PACKED * CHAR_BITS) - 1;

    private final String prefix;
    /** The last part's characters, 7 bits each, the last in the lowest bits; 0 when the name is the prefix alone. */
    private final long last;

    private PodName(String prefix, long last) {
        this.prefix = prefix;
        this.last = last;
    }

    /** {@code name} as a PodName ({@link #NONE} for the empty name). */
    public static PodName of(String name) {
        return of(name, null);
    }

    /**
     * {@code name} as a PodName whose prefix is the instance {@code prefixes} already holds for it, if any (the
     * caller's map, e.g. one per decoded slice, so that a slice's pods share one prefix); a new prefix is added to
     * the map. {@code prefixes} may be null.
     */
    public static PodName of(String name, Map<String, String> prefixes) {
        if (name.isEmpty()) return NONE;
        int dash = name.lastIndexOf('-');
        int length = name.length() - dash - 1;
        long packed = dash <= 0 || length < 1 || length > MAX_PACKED ? 0 : pack(name, dash + 1);
        if (packed == 0) return new PodName(name, 0);
        String prefix = name.substring(0, dash);
        if (prefixes != null) prefix = prefixes.computeIfAbsent(prefix, p -> p);
        return new PodName(prefix, packed);
    }

    /** The characters of {@code name} from {@code from} on, 7 bits each, or 0 when one is not 7-bit ASCII or NUL. */
    private static long pack(String name, int from) {
        long packed = 0;
        for (int i = from; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0 || c > 0x7f) return 0;
            packed = packed << CHAR_BITS | c;
        }
        return packed;
    }

    /** The packed last part ({@link #PACKED_BITS} at most; 0 when the name is the prefix alone). */
    long packed() {
        return last;
    }

    /** The name of {@code prefix} and a {@link #packed()} last part, as an {@code Endpoint} keeps its pod's. */
    static PodName of(String prefix, long packed) {
        return packed == 0 && prefix.isEmpty() ? NONE : new PodName(prefix, packed);
    }

    /** {@link #hashCode()} of the name of {@code prefix} and {@code packed}, without making it. */
    static int hashCode(String prefix, long packed) {
        return prefix.hashCode() * 31 + Long.hashCode(packed);
    }

    /** The shared part (the whole name when nothing is packed). */
    public String prefix() {
        return prefix;
    }

    /** Adds this name's prefix to {@code prefixes} (as {@link #of(String, Map)} would), unless it is the whole name. */
    public void addPrefixTo(Map<String, String> prefixes) {
        if (last != 0) prefixes.putIfAbsent(prefix, prefix);
    }

    /** This name with the instance {@code prefixes} holds for its prefix, if another (equal: the same name). */
    public PodName withPrefixFrom(Map<String, String> prefixes) {
        if (last == 0) return this;
        String shared = prefixes.get(prefix);
        return shared == null || shared == prefix ? this : new PodName(shared, last);
    }

    public boolean isEmpty() {
        return this == NONE || prefix.isEmpty() && last == 0;
    }

    @Override
    public String toString() {
        if (last == 0) return prefix;
        StringBuilder s = new StringBuilder(prefix.length() + 1 + MAX_PACKED).append(prefix).append('-');
        for (int shift = (MAX_PACKED - 1) * CHAR_BITS; shift >= 0; shift -= CHAR_BITS) {
            char c = (char) (last >>> shift & 0x7f);
            if (c != 0) s.append(c);
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PodName p && last == p.last && prefix.equals(p.prefix);
    }

    @Override
    public int hashCode() {
        return hashCode(prefix, last);
    }
}
