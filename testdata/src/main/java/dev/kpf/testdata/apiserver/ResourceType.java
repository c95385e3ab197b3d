package dev.kpf.testdata.apiserver;

import java.util.List;
import java.util.Optional;

/** A resource the fake API server serves: where it lives in the API and what its objects are called. */
public record ResourceType(String group, String version, String plural, String kind, boolean namespaced) {
    public static final ResourceType SERVICES = new ResourceType("", "v1", "services", "Service", true);
    public static final ResourceType PODS = new ResourceType("", "v1", "pods", "Pod", true);
    public static final ResourceType NODES = new ResourceType("", "v1", "nodes", "Node", false);
    public static final ResourceType CONFIGMAPS = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
    public static final ResourceType NAMESPACES = new ResourceType("", "v1", "namespaces", "Namespace", false);
    public static final ResourceType ENDPOINTSLICES = new ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);
    public static final ResourceType DAEMONSETS = new ResourceType("apps", "v1", "daemonsets", "DaemonSet", true);
    public static final ResourceType CLUSTERS = new ResourceType("baremetal.cluster.gke.io", "v1", "clusters", "Cluster", true);

    public static final List<ResourceType> ALL = List.of(SERVICES, PODS, NODES, CONFIGMAPS, NAMESPACES, ENDPOINTSLICES, DAEMONSETS, CLUSTERS);

    /** {@code v1} for the core group, {@code group/version} otherwise. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public String listKind() {
        return kind + "List";
    }

    public static Optional<ResourceType> byKind(String apiVersion, String kind) {
        return ALL.stream().filter(r -> r.kind.equals(kind) && r.apiVersion().equals(apiVersion)).findFirst();
    }

    public static Optional<ResourceType> byPath(String group, String version, String plural) {
        return ALL.stream().filter(r -> r.group.equals(group) && r.version.equals(version) && r.plural.equals(plural)).findFirst();
    }
}
