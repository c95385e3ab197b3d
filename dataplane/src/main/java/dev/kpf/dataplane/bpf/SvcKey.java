package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A key of kpf_svc4/kpf_svc6: frontend address, port, IP protocol number, scope and slot (0: the service entry). */
public record SvcKey(InetAddress address, int port, int protocol, int scope, int slot) {
    public SvcKey withScope(int s) {
        return new SvcKey(address, port, protocol, s, slot);
    }

    public SvcKey withSlot(int s) {
        return new SvcKey(address, port, protocol, scope, s);
    }
}
