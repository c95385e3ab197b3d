package dev.kpf.cli;

import java.util.Arrays;

/** Nearest-rank percentiles of measured values, for the benchmarks. */
final class Percentiles {
    private Percentiles() {}

    /** The p-th percentile (1..100) by nearest rank; the median is p = 50. */
    static long of(long[] values, int p) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(s.length * p / 100.0) - 1))];
    }

    static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }
}
