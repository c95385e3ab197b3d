package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Frontend;

/**
 * Two readings of the programs' counters some seconds apart: totals from the later one and translated connects
 * (and UDP datagrams) per second between them. With one reading ({@link #totals}) rates are NaN. A counter that went down (its id was freed and
 * given to another frontend or backend) counts from zero.
 */
public record CounterRates(Counters before, Counters now, double seconds) {
    /** Totals and rate of one frontend or backend. */
    public record Rate(long connects, long refused, double perSecond) {}

    public static CounterRates totals(Counters now) {
        return new CounterRates(null, now, 0);
    }

    public Rate frontend(Frontend f) {
        return rate(now.frontend(f), before == null ? null : before.frontend(f));
    }

    public Rate backend(String key) {
        return rate(now.backend(key), before == null ? null : before.backend(key));
    }

    private Rate rate(Counters.Count n, Counters.Count b) {
        if (b == null || seconds <= 0) return new Rate(n.connects(), n.refused(), Double.NaN);
        long delta = n.connects() - b.connects();
        if (delta < 0) delta = n.connects();
        return new Rate(n.connects(), n.refused(), delta / seconds);
    }
}
