package dev.kpf.tui.model;

import java.util.List;

/**
 * One frontend as the Services screen shows it: the service port, its type and address, its backends, its connect
 * counters with the rate and recent history, and whether the kernel maps disagree with the API's intent.
 *
 * @param key      stable identity for selection across refreshes ("addr:port/PROTO scope")
 * @param history  connects per second, oldest first
 */
public record ServiceRow(String key, String namespace, String name, String portName, String type, String frontend,
                         List<BackendRow> backends, long connects, long refused, double rate, float[] history, Drift drift) {
    public ServiceRow {
        backends = List.copyOf(backends);
    }

    /** namespace/name:port */
    public String servicePort() {
        return namespace + "/" + name + (portName.isEmpty() ? "" : ":" + portName);
    }

    public long readyBackends() {
        return backends.stream().filter(b -> b.state().equals("ready")).count();
    }

    /** How the kernel maps differ from what the API asks for, for this frontend. */
    public enum Drift {
        NONE(""), MISSING("missing from maps"), EXTRA("not in the API"), STALE("backends differ");

        public final String label;

        Drift(String label) {
            this.label = label;
        }
    }
}
