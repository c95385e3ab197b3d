package dev.kpf.diagnostics;

import dev.kpf.dataplane.bpf.PinnedConntrack;
import dev.kpf.dataplane.bpf.TcEvent;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code datapath.conntrack}: whether the tc datapath dropped new flows from outside because its conntrack map was
 * full or no SNAT port towards a backend was free (counted by the programs since they were loaded), and how full the
 * map is now. Established flows are not affected by either; new ones fail until flows end.
 */
public final class ConntrackHealth {
    private ConntrackHealth() {}

    public static final String ID = "datapath.conntrack";
    /** From this share of the capacity on, the map is reported as nearly full. */
    static final double NEARLY_FULL = 0.9;

    public static CheckResult check(PinnedConntrack.Reading r) {
        long full = r.events().getOrDefault(TcEvent.CONNTRACK_FULL, 0L), ports = r.events().getOrDefault(TcEvent.PORTS_EXHAUSTED, 0L);
        String observed = r.entries() + " of " + r.capacity() + " conntrack entries in use (two per flow); " + full + " new flows dropped for a full map, "
                + ports + " for no free SNAT port; " + r.events().getOrDefault(TcEvent.FRAGMENT_DROPPED, 0L) + " first fragments dropped";
        String required = "no flow from outside dropped for want of conntrack entries or SNAT ports";
        List<String> remedies = new ArrayList<>();
        if (full > 0 || r.entries() >= NEARLY_FULL * r.capacity()) {
            remedies.add("give the conntrack map more room (kpf agent --map-capacity kpf_ct=" + Math.max(2L * r.capacity(), 524288)
                    + ") or let idle flows go sooner (--conntrack-udp-timeout, --conntrack-tcp-timeout)");
        }
        if (ports > 0) {
            remedies.add("widen the SNAT port range (kpf agent --snat-ports, now at most one flow per port towards each backend address and port) "
                    + "or spread the Service over more backends");
        }
        if (remedies.isEmpty()) return CheckResult.of(ID, "datapath", ProbeStatus.PASS, observed, required, "");
        return CheckResult.of(ID, "datapath", ProbeStatus.WARN, observed, required,
                String.join("; ", remedies) + "; established flows are not affected, new ones fail until flows end");
    }
}
