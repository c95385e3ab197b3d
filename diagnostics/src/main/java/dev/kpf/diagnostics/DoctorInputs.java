package dev.kpf.diagnostics;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.probe.HostRoot;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What one doctor run may look at. A part left out (null) skips its checks, except the cluster: without a reader
 * its checks say "unknown" with {@code apiProblem} as the reason.
 *
 * @param host          the node's file root (live or a fixture tree), or null to skip the node checks
 * @param facts         node facts (OSHI on the live node), or null
 * @param cluster       the API reader, or null with {@code apiProblem} saying why there is none
 * @param clusterConfig Cluster config documents from a file, or null to read the Cluster from the API
 * @param agent         the local agent's base URL, or null
 * @param pins          the agent's pin directory, or null
 * @param intent        the API's translated table for this node, computed on demand (for maps and rule comparisons)
 * @param commands      prefix for the node's commands (e.g. {@code ip netns exec NS} in tests), empty on a node
 * @param nodeName      this node's name (its kube-proxy pod, the API intent)
 * @param preflight     also run the preflight checks for a cluster that still runs kube-proxy
 */
public record DoctorInputs(HostRoot host, Supplier<NodeFacts> facts, ClusterReader cluster, String apiProblem,
                           List<SourceDocument> clusterConfig, URI agent, PinDirectory pins, Supplier<LbTable> intent,
                           List<String> commands, String nodeName, boolean preflight, Set<String> only, Set<String> skip) {
    public DoctorInputs {
        commands = List.copyOf(commands);
        only = Set.copyOf(only);
        skip = Set.copyOf(skip);
    }

    /** Nothing to look at yet, and no API server. */
    public static DoctorInputs none() {
        return new DoctorInputs(null, null, null, "no API server given", null, null, null, null, List.of(), "", false, Set.of(), Set.of());
    }

    public DoctorInputs withNode(HostRoot host, Supplier<NodeFacts> facts) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withCluster(ClusterReader cluster, String apiProblem) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withClusterConfig(List<SourceDocument> clusterConfig) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withAgent(URI agent, PinDirectory pins, Supplier<LbTable> intent) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withCommands(List<String> commands) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withNodeName(String nodeName) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withPreflight(boolean preflight) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    public DoctorInputs withSelection(Set<String> only, Set<String> skip) {
        return new DoctorInputs(host, facts, cluster, apiProblem, clusterConfig, agent, pins, intent, commands, nodeName, preflight, only, skip);
    }

    boolean selected(String id) {
        return (only.isEmpty() || only.contains(id)) && !skip.contains(id);
    }
}
