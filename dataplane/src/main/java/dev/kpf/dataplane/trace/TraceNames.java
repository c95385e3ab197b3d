package dev.kpf.dataplane.trace;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Names for the addresses in trace events, from a table (the maps' or the agent's): a frontend address, port and
 * protocol name a Service port ({@code ns/name:port}); a backend address and port name its pod when the table knows
 * it (tables read back from the maps do not: they hold addresses only).
 */
public final class TraceNames {
    private record Key(InetAddress address, int port, int protocol) {}

    private final Map<Key, String> services = new HashMap<>();
    private final Map<Key, String> pods = new HashMap<>();

    public static final TraceNames NONE = new TraceNames(LbTable.empty());

    /** Names from the tables given; where two name the same address, the first wins. */
    public TraceNames(LbTable... tables) {
        for (LbTable table : tables) {
            for (LbEntry e : table.entries().values()) {
                services.putIfAbsent(new Key(e.frontend().address(), e.frontend().port(), e.frontend().protocol().number), e.servicePortName());
                for (Backend b : e.backends()) {
                    if (!b.pod().isEmpty()) pods.putIfAbsent(new Key(b.address(), b.port(), b.protocol().number), b.pod().toString());
                }
            }
        }
    }

    /** {@code ns/name:port} of the event's frontend, if it is one. */
    public Optional<String> service(TraceEvent e) {
        return Optional.ofNullable(services.get(new Key(e.vip(), e.vipPort(), e.protocol())));
    }

    /** The pod of the event's backend, if known. */
    public Optional<String> pod(TraceEvent e) {
        return e.backend().map(b -> pods.get(new Key(b, e.backendPort(), e.protocol())));
    }
}
