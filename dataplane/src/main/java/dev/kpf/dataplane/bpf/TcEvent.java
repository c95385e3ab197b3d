package dev.kpf.dataplane.bpf;

/** What the tc datapath counts in kpf_tc_events (KPF_EV_* in kpf_sock.h), by index. */
public enum TcEvent {
    /** A new flow dropped because the conntrack map is full. */
    CONNTRACK_FULL("conntrack_full", "new flows dropped: the conntrack map was full"),
    /** A new flow dropped because no SNAT port towards its backend was free. */
    PORTS_EXHAUSTED("snat_ports_exhausted", "new flows dropped: no free SNAT port towards the backend"),
    /** A first fragment to a frontend dropped (fragments are not translated). */
    FRAGMENT_DROPPED("fragments_dropped", "first fragments to a frontend dropped (fragmented datagrams are not translated)"),
    /** An ICMP or ICMPv6 error about a tracked flow translated. */
    ICMP_TRANSLATED("icmp_translated", "ICMP and ICMPv6 errors about tracked flows translated"),
    /** A SNAT port taken over from a flow that had expired. */
    PORT_REUSED("snat_ports_reused", "SNAT ports taken over from expired flows");

    /** The array's size in kpf_sock.h (KPF_EV_COUNT): room for more events without a layout change. */
    public static final int SLOTS = 8;

    private final String metric;
    private final String help;

    TcEvent(String metric, String help) {
        this.metric = metric;
        this.help = help;
    }

    /** The name in metrics and the status API. */
    public String metric() {
        return metric;
    }

    public String help() {
        return help;
    }
}
