package dev.kpf.dataplane.trace;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The trace structs and constants of kpf_sock.h against the Java decoders (called by MapLayoutTest with measured values). */
public final class TraceLayout {
    private TraceLayout() {}

    public static void check(Map<String, Long> m) {
        assertEquals((long) TraceEventCodec.SIZE, m.get("kpf_trace_event"));
        assertEquals((long) TraceConfig.CODEC.size(), m.get("kpf_trace_config"));
        assertEquals(8L, m.get("kpf_trace_config.owners"));
        assertEquals(8L + 16 * TraceConfig.SLOTS, m.get("kpf_trace_config.lost"));
        assertEquals(List.of((long) TraceEventCodec.TIME, (long) TraceEventCodec.CGROUP, (long) TraceEventCodec.NETNS,
                        (long) TraceEventCodec.SOCKET, (long) TraceEventCodec.PID, (long) TraceEventCodec.BACKEND_ID,
                        (long) TraceEventCodec.REV_NAT, (long) TraceEventCodec.FAMILY, (long) TraceEventCodec.PROTO,
                        (long) TraceEventCodec.HOOK, (long) TraceEventCodec.OUTCOME, (long) TraceEventCodec.VIP_PORT,
                        (long) TraceEventCodec.BACKEND_PORT, (long) TraceEventCodec.VIP, (long) TraceEventCodec.BACKEND,
                        (long) TraceEventCodec.COMM),
                List.of(m.get("kpf_trace_event.time_ns"), m.get("kpf_trace_event.cgroup_id"), m.get("kpf_trace_event.netns_cookie"),
                        m.get("kpf_trace_event.socket_cookie"), m.get("kpf_trace_event.pid"), m.get("kpf_trace_event.backend_id"),
                        m.get("kpf_trace_event.rev_nat_id"), m.get("kpf_trace_event.family"), m.get("kpf_trace_event.proto"),
                        m.get("kpf_trace_event.hook"), m.get("kpf_trace_event.outcome"), m.get("kpf_trace_event.vip_port"),
                        m.get("kpf_trace_event.backend_port"), m.get("kpf_trace_event.vip"), m.get("kpf_trace_event.backend"),
                        m.get("kpf_trace_event.comm")));
        assertEquals((long) TraceConfig.SLOTS, m.get("trace_slots"));
        assertEquals((long) TraceConfig.RING_BYTES, m.get("trace_ring"));
        StringBuilder hooks = new StringBuilder(), outcomes = new StringBuilder();
        for (TraceHook h : TraceHook.values()) hooks.append(h.code);
        for (TraceOutcome o : TraceOutcome.values()) outcomes.append(o.code);
        assertEquals(Long.parseLong(hooks.toString()), m.get("hooks"));
        assertEquals(Long.parseLong(outcomes.toString()), m.get("outcomes"));
    }
}
