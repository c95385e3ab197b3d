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
        // each row's sort text is built once, not once per comparison
        record Keyed(ServiceRow row, String name) {}
        Comparator<Keyed> order = switch (sort) {
            case SERVICE -> Comparator.comparing(Keyed::name);
            case TYPE -> Comparator.comparing((Keyed k) -> k.row().type()).thenComparing(Keyed::name);
            case FRONTEND -> Comparator.comparing((Keyed k) -> k.row().key());
            case BACKENDS -> Comparator.comparingInt((Keyed k) -> k.row().backends().size()).thenComparing(Keyed::name);
            case RATE -> Comparator.comparingDouble((Keyed k) -> k.row().rate()).thenComparing(Keyed::name);
        };
        if (descending) order = order.reversed();
        List<Keyed> keyed = new java.util.ArrayList<>(rows.size());
        for (ServiceRow r : rows) {
            String name = r.servicePort();
            if (f.isEmpty() || (name + " " + r.frontend() + " " + r.type()).toLowerCase(Locale.ROOT).contains(f)) keyed.add(new Keyed(r, name));
        }
        keyed.sort(order.thenComparing(k -> k.row().key()));
        return keyed.stream().map(Keyed::row).toList();
    }
}
