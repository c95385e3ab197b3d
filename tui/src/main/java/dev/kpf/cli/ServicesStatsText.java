package dev.kpf.cli;

import dev.kpf.dataplane.bpf.CounterRates;
import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.model.IpAddresses;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code kpf services --from-maps --stats}: one row per frontend with its counters, one per backend below it. */
final class ServicesStatsText {
    private ServicesStatsText() {}

    private static final String[] HEADER = {"FRONTEND", "SERVICE", "CONNECTS", "REFUSED", "RATE/s", "BACKEND", "CONNECTS", "RATE/s"};

    static String render(LbTable table, CounterRates rates) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        long total = 0, refused = 0;
        for (LbEntry e : table.entries().values()) {
            CounterRates.Rate f = rates.frontend(e.frontend());
            total += f.connects();
            refused += f.refused();
            String[] first = {e.frontend().toString(), e.servicePortName(), Long.toString(f.connects()), Long.toString(f.refused()), rate(f), "-", "", ""};
            rows.add(first);
            for (int i = 0; i < e.backends().size(); i++) {
                Backend b = e.backends().get(i);
                CounterRates.Rate r = rates.backend(Counters.backendKey(b.ip(), b.port(), b.protocol()));
                String[] row = i == 0 ? first : new String[] {"", "", "", "", "", "", "", ""};
                row[5] = IpAddresses.withPort(b.ip(), b.port());
                row[6] = Long.toString(r.connects());
                row[7] = rate(r);
                if (i > 0) rows.add(row);
            }
        }
        int[] width = new int[HEADER.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                boolean number = i == 2 || i == 3 || i == 4 || i == 6 || i == 7;
                line.append(String.format("%" + (number ? "" : "-") + width[i] + "s  ", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        b.append(String.format(Locale.ROOT, "%n%d frontends: %d connects, %d refused%s. Counted by the socket programs since the maps were "
                        + "created; UDP counts connects and datagrams sent; a backend's counts cover all its frontends.%n",
                table.size(), total, refused, rates.before() == null ? "" : String.format(Locale.ROOT, "; rates over %.1f s", rates.seconds())));
        return b.toString();
    }

    private static String rate(CounterRates.Rate r) {
        return Double.isNaN(r.perSecond()) ? "-" : String.format(Locale.ROOT, "%.1f", r.perSecond());
    }
}
