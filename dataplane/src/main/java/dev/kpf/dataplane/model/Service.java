package dev.kpf.dataplane.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A Service as the translator needs it. {@code clusterIps} is empty for headless services; ExternalName services
 * have type {@link Type#EXTERNAL_NAME} and are ignored by the translator.
 */
public record Service(String namespace, String name, Type type, List<InetAddress> clusterIps, List<Port> ports,
                      List<InetAddress> externalIps, List<InetAddress> loadBalancerIps, List<Cidr> sourceRanges,
                      boolean clientIpAffinity, int affinityTimeoutSeconds, boolean externalPolicyLocal,
                      boolean internalPolicyLocal, int healthCheckNodePort, Map<String, String> labels) {

    /**
     * Services and EndpointSlices carrying either label (any value) are never listed by kube-proxy's informers
     * (cmd/kube-proxy/app/server.go: "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name").
     */
    public static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
    public static final String PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";
    /** Objects whose proxy-name label has this value are kpf's own (kpf departs from kube-proxy for them). */
    public static final String KPF_PROXY_NAME = "kpf";

    /** kube-proxy's default ClientIP affinity timeout: three hours. */
    public static final int DEFAULT_AFFINITY_TIMEOUT = 10800;

    public enum Type { CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME }

    /** One service port; {@code name} is what EndpointSlice ports are matched by. */
    public record Port(String name, Protocol protocol, int port, int nodePort) {}

    public Service {
        clusterIps = List.copyOf(clusterIps);
        ports = List.copyOf(ports);
        externalIps = List.copyOf(externalIps);
        loadBalancerIps = List.copyOf(loadBalancerIps);
        sourceRanges = List.copyOf(sourceRanges);
        labels = Map.copyOf(labels);
    }

    public ObjectRef ref() {
        return ObjectRef.service(namespace, name);
    }

    public boolean headless() {
        return clusterIps.isEmpty();
    }

    /** NodePort and LoadBalancer services get node ports (unless allocateLoadBalancerNodePorts is false: nodePort 0). */
    public boolean hasNodePorts() {
        return type == Type.NODE_PORT || type == Type.LOAD_BALANCER;
    }
}
