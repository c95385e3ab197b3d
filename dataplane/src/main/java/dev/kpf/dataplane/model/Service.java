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
                      boolean internalPolicyLocal, int healthCheckNodePort, boolean topologyAware,
                      Map<String, String> labels) {

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
