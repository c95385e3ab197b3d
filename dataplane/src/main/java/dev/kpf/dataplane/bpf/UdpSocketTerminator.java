package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.BpfObject;
import dev.kpf.probes.bpf.NetNamespace;
import dev.kpf.probes.bpf.PinDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lets connected UDP sockets go when their backend leaves their frontend, as kube-proxy flushes the conntrack entries
 * of UDP flows to deleted endpoints: kpf_sock_destroy.bpf.o's iterator destroys, in every network namespace of the
 * node, the connected UDP sockets kpf translated to such a backend (bpf_sock_destroy, kernel 6.5 and later); the
 * application sees ECONNABORTED and connects again, to a current backend. Sockets kpf did not translate, and TCP
 * connections, are never touched. On older kernels the object does not load: such sockets keep their backend until
 * the application closes them ({@link #unavailable}).
 */
final class UdpSocketTerminator implements AutoCloseable {
    private final BpfObject object;
    private final BpfLink iterator;
    private final BpfMap<GoneBackend, Byte> gone;

    private UdpSocketTerminator(BpfObject object, BpfLink iterator, BpfMap<GoneBackend, Byte> gone) {
        this.object = object;
        this.iterator = iterator;
        this.gone = gone;
    }

    /** Why sockets are not let go on this kernel; empty when they are. */
    static String unavailable(RuntimeException e) {
        return "connected UDP sockets keep a backend that left until they close (this kernel has no bpf_sock_destroy, 6.5+: "
                + e.getMessage() + ")";
    }

    /** Loads the iterator next to the datapath pinned under {@code pins} (it reads its sockets' reverse translations). */
    static UdpSocketTerminator open(PinDirectory pins, Map<String, Integer> capacities) {
        BpfObject object = BpfObject.openResource(UdpSocketTerminator.class, MapLayout.DESTROY_OBJECT, pins.root());
        try {
            for (String map : List.of(MapLayout.SK_REVNAT4, MapLayout.SK_REVNAT6)) {
                if (capacities.containsKey(map)) object.maxEntries(map, capacities.get(map));
            }
            object.load();
            BpfLink link = object.program("kpf_udp_destroy").attachIterator();
            return new UdpSocketTerminator(object, link, object.map("kpf_udp_gone", Codecs.GONE_KEY, Codecs.U8));
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /**
     * Destroys the connected UDP sockets translated to backends in {@code left}, in this namespace and every other one
     * a process of the node is in. Returns the number of namespaces searched.
     */
    synchronized int terminate(List<GoneBackend> left) {
        if (left.isEmpty()) return 0;
        Map<GoneBackend, Byte> keys = new LinkedHashMap<>();
        for (GoneBackend g : left) keys.put(g, (byte) 1);
        gone.updateBatch(keys);
        try {
            int searched = 1;
            iterator.runIterator();
            for (Path ns : otherNamespaces()) {
                try {
                    NetNamespace.call(ns, iterator::runIterator);
                    searched++;
                } catch (BpfException goneMeanwhile) {
                    // the process (and maybe its namespace) went away
                }
            }
            return searched;
        } finally {
            gone.deleteBatch(keys.keySet());
        }
    }

    /** One /proc/PID/ns/net for each network namespace other than this process's. */
    static List<Path> otherNamespaces() {
        Set<String> seen = new HashSet<>();
        try {
            seen.add(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        } catch (IOException e) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                Path ns = p.resolve("ns/net");
                try {
                    if (seen.add(Files.readSymbolicLink(ns).toString())) out.add(ns);
                } catch (IOException exited) {
                    // gone meanwhile, or a kernel thread
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    @Override
    public void close() {
        iterator.close();
        object.close();
    }
}
