package dev.kpf.dataplane.model;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a source knows at one moment: services, endpoint slices, nodes, and the problems found while reading
 * them. Immutable; sources publish a new one for every change. The maps are unordered (consumers sort what they
 * show); unchanged objects keep their instances from one state to the next, so comparing states is cheap.
 */
public record ClusterState(Map<ObjectRef, Service> services, Map<ObjectRef, EndpointSlice> slices,
                           Map<String, Node> nodes, List<Problem> problems) {
    public ClusterState {
        services = Map.copyOf(services);
        slices = Map.copyOf(slices);
        nodes = Map.copyOf(nodes);
        problems = List.copyOf(problems);
    }

    public static ClusterState of(Collection<Service> services, Collection<EndpointSlice> slices, Collection<Node> nodes,
                                  List<Problem> problems) {
        Map<ObjectRef, Service> s = new java.util.HashMap<>(services.size() * 2);
        services.forEach(x -> s.put(x.ref(), x));
        Map<ObjectRef, EndpointSlice> e = new java.util.HashMap<>(slices.size() * 2);
        slices.forEach(x -> e.put(x.ref(), x));
        Map<String, Node> n = new java.util.HashMap<>();
        nodes.forEach(x -> n.put(x.name(), x));
        return new ClusterState(s, e, n, problems);
    }

    public static ClusterState empty() {
        return of(List.of(), List.of(), List.of(), List.of());
    }

    public Optional<Node> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }
}
