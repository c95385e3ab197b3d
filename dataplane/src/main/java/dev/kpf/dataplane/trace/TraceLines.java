package dev.kpf.dataplane.trace;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One trace event as a line of text (for people) or of JSON (schema kpf.trace/v1, one object per line). */
public final class TraceLines {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private TraceLines() {}

    /** {@code 15:48:10.388911 kpf_peer[2583] connect TCP 10.96.100.1:80 (t/web:http) -> 10.203.0.3:8080 (web-2) translated cgroup=33503 netns=30936 sock=2684310}. */
    public static String text(TraceEvent e, TraceNames names) {
        StringBuilder b = new StringBuilder(160);
        b.append(CLOCK.format(e.time())).append(' ').append(e.comm()).append('[').append(e.pid()).append("] ")
                .append(e.hook().label()).append(' ').append(e.protocolName()).append(' ').append(e.vipText());
        names.service(e).ifPresent(s -> b.append(" (").append(s).append(')'));
        if (e.backend().isPresent()) {
            b.append(e.hook() == TraceHook.RECVMSG || e.hook() == TraceHook.GETPEERNAME ? " <- " : " -> ").append(e.backendText());
            names.pod(e).ifPresent(p -> b.append(" (").append(p).append(')'));
        }
        b.append(' ').append(e.outcome().label)
                .append(" cgroup=").append(e.cgroupId()).append(" netns=").append(e.netnsCookie()).append(" sock=").append(e.socketCookie());
        return b.toString();
    }

    public static String json(TraceEvent e, TraceNames names) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("schema", "kpf.trace/v1");
        o.put("time", e.time().toString());
        o.put("pid", e.pid());
        o.put("comm", e.comm());
        o.put("cgroupId", Long.toUnsignedString(e.cgroupId()));
        o.put("netnsCookie", Long.toUnsignedString(e.netnsCookie()));
        o.put("socketCookie", Long.toUnsignedString(e.socketCookie()));
        o.put("hook", e.hook().label());
        o.put("protocol", e.protocolName());
        o.put("vip", e.vipText());
        o.put("service", names.service(e).orElse(null));
        o.put("backend", e.backend().isPresent() ? e.backendText() : null);
        o.put("pod", names.pod(e).orElse(null));
        o.put("outcome", e.outcome().label);
        o.put("revNatId", e.revNatId());
        o.put("backendId", e.backendId());
        return GSON.toJson(o);
    }
}
