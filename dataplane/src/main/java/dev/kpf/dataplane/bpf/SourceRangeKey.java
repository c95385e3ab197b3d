package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** One allowed client prefix of an IPv4 frontend with loadBalancerSourceRanges (a kpf_srcrange4 entry). */
public record SourceRangeKey(InetAddress frontend, int port, int protocol, InetAddress client, int prefixLength) {
    /** The frontend part, which groups the prefixes of one frontend. */
    public SvcKey frontendKey() {
        return new SvcKey(frontend, port, protocol, MapLayout.SCOPE_EXTERNAL, 0);
    }
}
