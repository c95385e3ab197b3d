package dev.kpf.diagnostics;

import dev.kpf.dataplane.bpf.PinnedConntrack;
import dev.kpf.dataplane.bpf.TcEvent;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConntrackHealthTest {
    private static Map<TcEvent, Long> events(long full, long ports) {
        Map<TcEvent, Long> m = new EnumMap<>(TcEvent.class);
        for (TcEvent e : TcEvent.values()) m.put(e, 0L);
        m.put(TcEvent.CONNTRACK_FULL, full);
        m.put(TcEvent.PORTS_EXHAUSTED, ports);
        return m;
    }

    @Test
    void no_drops_and_room_left_pass() {
        CheckResult r = ConntrackHealth.check(new PinnedConntrack.Reading(1000, 262144, events(0, 0)));
        assertEquals(ProbeStatus.PASS, r.status());
        assertTrue(r.observed().startsWith("1000 of 262144 conntrack entries in use"), r.observed());
    }

    @Test
    void flows_dropped_for_a_full_map_warn_with_a_bigger_capacity_to_set() {
        CheckResult r = ConntrackHealth.check(new PinnedConntrack.Reading(262144, 262144, events(17, 0)));
        assertEquals(ProbeStatus.WARN, r.status());
        assertTrue(r.observed().contains("17 new flows dropped for a full map"), r.observed());
        assertTrue(r.remedy().contains("--map-capacity kpf_ct=524288"), r.remedy());
        assertTrue(r.remedy().contains("established flows are not affected"), r.remedy());
    }

    @Test
    void a_nearly_full_map_warns_before_it_drops() {
        assertEquals(ProbeStatus.WARN, ConntrackHealth.check(new PinnedConntrack.Reading(240000, 262144, events(0, 0))).status());
    }

    @Test
    void exhausted_snat_ports_name_the_port_range_option() {
        CheckResult r = ConntrackHealth.check(new PinnedConntrack.Reading(10, 262144, events(0, 3)));
        assertEquals(ProbeStatus.WARN, r.status());
        assertTrue(r.remedy().contains("--snat-ports"), r.remedy());
        assertTrue(!r.remedy().contains("--map-capacity"), "the map is not the problem: " + r.remedy());
    }
}
