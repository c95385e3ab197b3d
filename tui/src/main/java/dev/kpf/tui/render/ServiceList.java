package dev.kpf.tui.render;

import dev.kpf.tui.model.ServiceRow;
import dev.kpf.tui.view.SortColumn;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The Services screen's rows after the filter (substring of namespace/name:port, frontend and type) and the sort. */
public final class ServiceList {
    private ServiceList() {}

    public static List<ServiceRow> visible(List<ServiceRow> rows, String filter, SortColumn sort, boolean descending) {
        String f = filter.toLowerCase(Locale.ROOT);
        Comparator<ServiceRow> order = switch (sort) {
            case SERVICE -> Comparator.comparing(ServiceRow::servicePort);
            case TYPE -> Comparator.comparing(ServiceRow::type).thenComparing(ServiceRow::servicePort);
            case FRONTEND -> Comparator.comparing(ServiceRow::key);
            case BACKENDS -> Comparator.comparingInt((ServiceRow r) -> r.backends().size()).thenComparing(ServiceRow::servicePort);
            case RATE -> Comparator.comparingDouble(ServiceRow::rate).thenComparing(ServiceRow::servicePort);
        };
        if (descending) order = order.reversed();
        return rows.stream()
                .filter(r -> f.isEmpty() || (r.servicePort() + " " + r.frontend() + " " + r.type()).toLowerCase(Locale.ROOT).contains(f))
                .sorted(order.thenComparing(ServiceRow::key))
                .toList();
    }
}
