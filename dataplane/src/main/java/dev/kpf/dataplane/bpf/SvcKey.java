package dev.kpf.dataplane.bpf;

import java.net.InetAddress;

/** A key of kpf_svc4/kpf_svc6: frontend address, port, IP protocol number, scope and slot (0: the service entry). */
public record SvcKey(InetAddress address, int port, int protocol, int scope, int slot) {
    // written out: a record's generated equals and hashCode run as method handles until the JIT compiles them,
    // which the writer's first sync (a lookup per frontend and slot) pays for in a cold JVM
    @Override
    public boolean equals(Object o) {
        return o instanceof SvcKey k && k.port == port && k.protocol == protocol && k.scope == scope && k.slot == slot
                && k.address.equals(address);
    }

    @Override
    public int hashCode() {
        return (((address.hashCode() * 31 + port) * 31 + protocol) * 31 + scope) * 31 + slot;
    }

    public SvcKey withScope(int s) {
        return new SvcKey(address, port, protocol, s, slot);
    }

    public SvcKey withSlot(int s) {
        return new SvcKey(address, port, protocol, scope, s);
    }
}
