package dev.kpf.dataplane.lb;

/** How a frontend address is reached, named as `kpf services` prints them. */
public enum FrontendType {
    CLUSTER_IP("ClusterIP"), NODE_PORT("NodePort"), EXTERNAL_IP("ExternalIP"), LOAD_BALANCER("LoadBalancer");

    public final String label;

    FrontendType(String label) {
        this.label = label;
    }
}
