package dev.kpf.dataplane.bpf;

import java.time.Duration;

/**
 * The tc datapath's conntrack settings: the SNAT port range kpf allocates from and how long a flow lives without
 * packets (established TCP, UDP, and TCP after a FIN or RST). A flow's SNAT port is free again once it expired.
 */
public record ConntrackConfig(int portMin, int portMax, Duration tcpTimeout, Duration udpTimeout, Duration closingTimeout) {
    /**
     * Below Linux's default ephemeral range (32768-60999), so kpf's SNAT ports never meet the node's own outgoing
     * connections; 31,744 ports per backend address and port.
     */
    public static final int PORT_MIN = 1024, PORT_MAX = 32767;

    /** kpf's defaults: the whole range, 2 h for established TCP, 120 s for UDP, 10 s after a FIN or RST. */
    public static final ConntrackConfig DEFAULT = new ConntrackConfig(PORT_MIN, PORT_MAX, Duration.ofHours(2), Duration.ofSeconds(120), Duration.ofSeconds(10));

    public ConntrackConfig {
        if (portMin < 1 || portMax > 65535 || portMin > portMax) {
            throw new IllegalArgumentException("SNAT port range " + portMin + "-" + portMax + ": use ports from 1 to 65535, lowest first");
        }
        for (Duration d : new Duration[] {tcpTimeout, udpTimeout, closingTimeout}) {
            if (d.toSeconds() < 1 || d.toSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("conntrack timeout " + d + ": use whole seconds from 1 s");
            }
        }
    }

    /** How many SNAT ports there are towards one backend address and port. */
    public int ports() {
        return portMax - portMin + 1;
    }
}
