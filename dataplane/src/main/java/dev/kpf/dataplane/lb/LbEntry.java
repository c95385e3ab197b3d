package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.ObjectRef;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What a frontend does: which service port it belongs to, its type, the backends traffic may go to (in a stable
 * order; empty means connections are refused), ClientIP affinity timeout (0 = none), source ranges (empty = all),
 * traffic policies and the health-check node port of externalTrafficPolicy: Local services.
 */
public record LbEntry(Frontend frontend, FrontendType type, ObjectRef service, String portName, List<Backend> backends,
                      int affinityTimeoutSeconds, List<Cidr> sourceRanges, boolean externalPolicyLocal,
                      boolean internalPolicyLocal, int healthCheckNodePort) {
    public LbEntry {
        backends = BackendList.copyOf(backends);
        sourceRanges = List.copyOf(sourceRanges);
    }

    /** {@code namespace/name:port} (the port name is omitted when empty). */
    public String servicePortName() {
        return service.namespace() + "/" + service.name() + (portName.isEmpty() ? "" : ":" + portName);
    }

    /** One stable line for golden files and diffs. */
    public String line() {
        StringBuilder b = new StringBuilder();
        b.append(frontend).append(' ').append(type.label).append(' ').append(servicePortName());
        if (affinityTimeoutSeconds > 0) b.append(" affinity=ClientIP/").append(affinityTimeoutSeconds).append('s');
        if (!sourceRanges.isEmpty()) {
            b.append(" sourceRanges=").append(sourceRanges.stream().map(Cidr::toString).collect(Collectors.joining(",")));
        }
        if (externalPolicyLocal) b.append(" eTP=Local");
        if (internalPolicyLocal) b.append(" iTP=Local");
        if (healthCheckNodePort > 0) b.append(" healthCheckNodePort=").append(healthCheckNodePort);
        b.append(" -> ");
        if (backends.isEmpty()) b.append("(no backends: refused)");
        else b.append(backends.stream().map(Backend::describe).collect(Collectors.joining(", ")));
        return b.toString();
    }
}
