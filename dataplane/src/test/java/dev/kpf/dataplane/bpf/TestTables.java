package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Small tables written out in the kernel tests: ClusterIP entries of Services in namespace t. */
final class TestTables {
    private TestTables() {}

    /** Service {@code name}'s frontend {@code vip:port/proto} with ready backends "ADDR" on {@code backendPort}. */
    static LbEntry entry(String name, String vip, int port, Protocol proto, int affinitySeconds, int backendPort, String... backends) {
        try {
            List<Backend> list = new ArrayList<>();
            for (String b : backends) list.add(new Backend(InetAddress.getByName(b), backendPort, proto, Backend.State.READY, false, "", "", ""));
            return new LbEntry(new Frontend(InetAddress.getByName(vip), port, proto, Scope.EXTERNAL), FrontendType.CLUSTER_IP,
                    ObjectRef.service("t", name), "", list, affinitySeconds, List.of(), false, false, 0);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static LbTable table(LbEntry... entries) {
        TreeMap<Frontend, LbEntry> m = new TreeMap<>();
        for (LbEntry e : entries) m.put(e.frontend(), e);
        return new LbTable(m, List.of());
    }
}
