package dev.kpf.dataplane.lb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size M in which every backend
 * owns about M/N entries, built so that removing one of N backends moves little more than its own 1/N of the
 * entries. Backends are named ("ip:port"), so every node builds the same table for the same backends.
 */
public final class Maglev {
    /** The default table size (a prime; kpf_sock.h's KPF_MAGLEV_M); `kpf agent --maglev-table-size` picks another prime. */
    public static final int M = 1021;

    /** Whether {@code m} can be a table size: a prime from 251 to 65521 (Maglev needs a prime well above the backend count). */
    public static boolean validSize(int m) {
        if (m < 251 || m > 65521) return false;
        for (int d = 2; (long) d * d <= m; d++) if (m % d == 0) return false;
        return true;
    }

    private Maglev() {}

    /** The table: entry j holds the index into {@code backends} that owns it; empty for no backends. */
    public static int[] table(List<String> backends, int m) {
        int n = backends.size();
        if (n == 0) return new int[0];
        long[] offset = new long[n], skip = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] name = backends.get(i).getBytes(StandardCharsets.UTF_8);
            offset[i] = Long.remainderUnsigned(fnv1a(name, 0xcbf29ce484222325L), m);
            skip[i] = Long.remainderUnsigned(fnv1a(name, 0x84222325cbf29ce4L), m - 1) + 1;
        }
        int[] entry = new int[m];
        Arrays.fill(entry, -1);
        long[] next = new long[n];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                int c = (int) ((offset[i] + next[i] * skip[i]) % m);
                while (entry[c] >= 0) {
                    next[i]++;
                    c = (int) ((offset[i] + next[i] * skip[i]) % m);
                }
                entry[c] = i;
                next[i]++;
                if (++filled == m) return entry;
            }
        }
    }

    private static long fnv1a(byte[] data, long seed) {
        long h = seed;
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
